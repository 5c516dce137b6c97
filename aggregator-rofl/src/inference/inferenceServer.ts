// The inference endpoint the ROFL app serves on its own port (exposed through ROFL's proxy, TLS terminated inside the
// TEE): see docs/design/model-access.md for why not a coordinator relay. Schema-first fastify routes; every refusal is
// a typed error with its HTTP status (402 credit, 403 paused, 429 + Retry-After rate limit, 503 + Retry-After outage).
import { Type, type Static } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { AGGREGATOR_ERROR_CODES, AggregatorError } from '../errors';
import type { InferenceService } from './inferenceService';

const Hex32 = Type.String({ pattern: '^0x[0-9a-fA-F]{64}$' });
const Address = Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' });
const TaskParams = Type.Object({ taskId: Type.String({ pattern: '^[1-9][0-9]{0,76}$' }) });

export const InferenceRequestBody = Type.Object(
  {
    querier: Address,
    requestId: Hex32,
    /** base64 of enc ‖ HPKE ciphertext. */
    sealedRequest: Type.String({ minLength: 1, contentEncoding: 'base64' }),
    signature: Type.String({ pattern: '^0x[0-9a-fA-F]{130}$' }),
  },
  { additionalProperties: false },
);
export type InferenceRequestBody = Static<typeof InferenceRequestBody>;

export const InferenceAnswerBody = Type.Object({
  requestId: Hex32,
  rows: Type.Integer(),
  cost: Type.String(),
  creditLeft: Type.String(),
  replay: Type.Boolean(),
  modelHash: Hex32,
  /** base64 of enc ‖ HPKE ciphertext, sealed to the querier's ephemeral key. */
  sealedAnswer: Type.String(),
});

const ErrorBody = Type.Object({ code: Type.String(), message: Type.String() });

const STATUS: Record<string, number> = {
  [AGGREGATOR_ERROR_CODES.inferenceRequestInvalid]: 400,
  [AGGREGATOR_ERROR_CODES.inferenceSignatureInvalid]: 401,
  [AGGREGATOR_ERROR_CODES.inferenceInsufficientCredit]: 402,
  [AGGREGATOR_ERROR_CODES.inferencePaused]: 403,
  [AGGREGATOR_ERROR_CODES.inferenceModelUnavailable]: 404,
  [AGGREGATOR_ERROR_CODES.inferenceRateLimited]: 429,
  [AGGREGATOR_ERROR_CODES.inferenceUnavailable]: 503,
};

/** The inference app (tests inject requests; `listen` is the caller's). */
export function buildInferenceApp(service: InferenceService, options: { bodyLimit?: number } = {}): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024 });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof AggregatorError && STATUS[error.code] !== undefined) {
      const status = STATUS[error.code]!;
      if (status === 429 || status === 503) {
        const retry = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 5;
        void reply.header('retry-after', String(retry));
      }
      return reply.status(status).send({ code: error.code, message: error.message });
    }
    const validation = (error as { validation?: unknown }).validation;
    if (validation !== undefined) {
      return reply.status(400).send({ code: AGGREGATOR_ERROR_CODES.inferenceRequestInvalid, message: (error as Error).message });
    }
    // Anything else is an outage of a dependency we did not classify: never a 500 with a stack.
    void reply.header('retry-after', '5');
    return reply.status(503).send({ code: AGGREGATOR_ERROR_CODES.inferenceUnavailable, message: 'inference is unavailable; retry later' });
  });

  app.get<{ Params: Static<typeof TaskParams> }>(
    '/inference/v1/tasks/:taskId',
    {
      schema: {
        params: TaskParams,
        response: { 200: Type.Object({ taskId: Type.String(), pricePerRow: Type.String(), paused: Type.Boolean(), modelHash: Hex32 }), '4xx': ErrorBody, '5xx': ErrorBody },
      },
    },
    async (request) => {
      const terms = await service.terms(BigInt(request.params.taskId));
      return { taskId: request.params.taskId, pricePerRow: terms.pricePerRow.toString(), paused: terms.paused, modelHash: terms.modelHash };
    },
  );

  app.post<{ Params: Static<typeof TaskParams>; Body: InferenceRequestBody }>(
    '/inference/v1/tasks/:taskId/requests',
    { schema: { params: TaskParams, body: InferenceRequestBody, response: { 200: InferenceAnswerBody, '4xx': ErrorBody, '5xx': ErrorBody } } },
    async (request) => {
      const body = request.body;
      const answer = await service.answer({
        taskId: BigInt(request.params.taskId),
        querier: body.querier,
        requestId: body.requestId,
        sealed: new Uint8Array(Buffer.from(body.sealedRequest, 'base64')),
        signature: body.signature,
      });
      return {
        requestId: answer.requestId,
        rows: answer.rows,
        cost: answer.cost.toString(),
        creditLeft: answer.creditLeft.toString(),
        replay: answer.replay,
        modelHash: answer.modelHash,
        sealedAnswer: Buffer.from(answer.sealedAnswer).toString('base64'),
      };
    },
  );
  return app;
}
