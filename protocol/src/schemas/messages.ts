import { Type, type Static } from '@sinclair/typebox';
import { ROUND_EVENTS } from './constants.js';
import { AddressSchema, Bytes32Schema, HexSchema, UintStringSchema } from './primitives.js';


/** BullMQ `aggregate-round` payload; the aggregator treats `updates` as hints and re-reads the chain. */
export const AggregationJobSchema = Type.Object(
  {
    taskId: UintStringSchema,
    round: Type.Integer({ minimum: 1 }),
    chainId: UintStringSchema,
    taskManager: AddressSchema,
    updates: Type.Array(
      Type.Object(
        {
          participant: AddressSchema,
          ciphertextHash: Bytes32Schema,
          size: Type.Integer({ minimum: 0 }),
          location: Type.String({ minLength: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, $id: 'AggregationJob' },
);
export type AggregationJob = Static<typeof AggregationJobSchema>;

/** BullMQ `close-round` payload. */
export const CloseRoundJobSchema = Type.Object(
  { taskId: UintStringSchema, round: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false, $id: 'CloseRoundJob' },
);
export type CloseRoundJob = Static<typeof CloseRoundJobSchema>;

/** socket.io `subscribe` payload. */
export const SubscribeMessageSchema = Type.Object(
  { taskId: UintStringSchema },
  { additionalProperties: false },
);
export type SubscribeMessage = Static<typeof SubscribeMessageSchema>;

/** Payload of every server event (`round:opened`, …); event-specific fields are optional. */
export const RoundEventSchema = Type.Object(
  {
    taskId: UintStringSchema,
    round: Type.Integer({ minimum: 0 }),
    event: Type.Optional(Type.Union(ROUND_EVENTS.map((e) => Type.Literal(e)))),
    state: Type.Optional(Type.Integer({ minimum: 0, maximum: 6 })),
    deadline: Type.Optional(Type.Integer({ minimum: 0 })),
    previousModelHash: Type.Optional(Bytes32Schema),
    modelHash: Type.Optional(Bytes32Schema),
    modelUri: Type.Optional(Type.String()),
    committedCount: Type.Optional(Type.Integer({ minimum: 0 })),
    includedCount: Type.Optional(Type.Integer({ minimum: 0 })),
    excludedCount: Type.Optional(Type.Integer({ minimum: 0 })),
    status: Type.Optional(Type.String()),
    at: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch' })),
  },
  { $id: 'RoundEvent' },
);
export type RoundEvent = Static<typeof RoundEventSchema>;

/** Every HTTP error body. */
export const ErrorResponseSchema = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Type.String({ minLength: 1 }),
    error: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { $id: 'ErrorResponse' },
);
export type ErrorResponse = Static<typeof ErrorResponseSchema>;

export const AuthNonceBodySchema = Type.Object({ address: AddressSchema }, { additionalProperties: false });
export type AuthNonceBody = Static<typeof AuthNonceBodySchema>;
export const AuthNonceResponseSchema = Type.Object({ message: Type.String({ minLength: 1 }) });
export type AuthNonceResponse = Static<typeof AuthNonceResponseSchema>;
export const AuthVerifyBodySchema = Type.Object(
  { message: Type.String({ minLength: 1, maxLength: 4096 }), signature: HexSchema },
  { additionalProperties: false },
);
export type AuthVerifyBody = Static<typeof AuthVerifyBodySchema>;
export const AuthVerifyResponseSchema = Type.Object({
  token: Type.String({ minLength: 1 }),
  expiresAt: Type.Integer({ minimum: 0, description: 'ms since epoch' }),
});
export type AuthVerifyResponse = Static<typeof AuthVerifyResponseSchema>;

/** PUT …/updates response. */
export const UploadResponseSchema = Type.Object({
  ciphertextHash: Bytes32Schema,
  size: Type.Integer({ minimum: 0 }),
  duplicate: Type.Boolean(),
});
export type UploadResponse = Static<typeof UploadResponseSchema>;

/** PUT /v1/blobs/:sha256 response. */
export const BlobPutResponseSchema = Type.Object({
  sha256: Bytes32Schema,
  size: Type.Integer({ minimum: 0 }),
  duplicate: Type.Boolean(),
});
export type BlobPutResponse = Static<typeof BlobPutResponseSchema>;

/** Route params. */
export const TaskParamsSchema = Type.Object({ taskId: UintStringSchema });
export type TaskParams = Static<typeof TaskParamsSchema>;
export const RoundParamsSchema = Type.Object({
  taskId: UintStringSchema,
  round: Type.String({ pattern: '^[1-9][0-9]{0,19}$' }),
});
export type RoundParams = Static<typeof RoundParamsSchema>;

/** GET /v1/tasks/:taskId: on-chain task state (uint256 values as decimal strings). */
export const TaskViewSchema = Type.Object({
  taskId: UintStringSchema,
  modelSpecHash: Bytes32Schema,
  initialModelHash: Bytes32Schema,
  initialModelUri: Type.String(),
  dataSchemaHash: Bytes32Schema,
  minParticipants: Type.Integer({ minimum: 0 }),
  maxParticipants: Type.Integer({ minimum: 0 }),
  roundDuration: Type.Integer({ minimum: 0, description: 'seconds' }),
  numRounds: Type.Integer({ minimum: 0 }),
  rewardPerRound: UintStringSchema,
  currentRound: Type.Integer({ minimum: 0 }),
  specUri: Type.Optional(Type.String()),
});
export type TaskView = Static<typeof TaskViewSchema>;
export const TaskListSchema = Type.Object({ tasks: Type.Array(TaskViewSchema) });
export type TaskList = Static<typeof TaskListSchema>;

/** GET /v1/tasks/:taskId/rounds/:round. */
export const RoundViewSchema = Type.Object({
  taskId: Type.Optional(UintStringSchema),
  round: Type.Optional(Type.Integer({ minimum: 0 })),
  state: Type.Integer({ minimum: 0, maximum: 6 }),
  openedAt: Type.Optional(Type.Integer({ minimum: 0 })),
  deadline: Type.Integer({ minimum: 0, description: 'unix seconds' }),
  previousModelHash: Bytes32Schema,
  modelHash: Bytes32Schema,
  modelUri: Type.String(),
  committedCount: Type.Integer({ minimum: 0 }),
  finalizedAt: Type.Optional(Type.Integer({ minimum: 0 })),
  metricsHash: Type.Optional(Bytes32Schema),
});
export type RoundView = Static<typeof RoundViewSchema>;
