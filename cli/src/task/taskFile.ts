// The task folder `cloister new` writes and `cloister task check|propose` / `cloister stats propose` read:
//   task.json          the task file: kind, the spec's sections (model topology, data schema, training, strategy and
//                      its parameters, DP) and what goes on chain (rounds, min/max participants, round duration,
//                      reward, model access), and the initial model's file and hash
//   initial-model.bin  the initial weights (protocol's tensor encoding); absent for a statistics task
import { Type, type Static } from '@sinclair/typebox';

const Features = Type.Array(Type.String({ minLength: 1 }), { minItems: 1 });

export const TaskFileSchema = Type.Object(
  {
    version: Type.Literal(1),
    kind: Type.Union([Type.Literal('training'), Type.Literal('statistics')]),
    name: Type.String({ minLength: 1, maxLength: 128 }),
    /** training: tf.LayersModel.toJSON() modelTopology. */
    model: Type.Optional(Type.Object({ topology: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false })),
    data: Type.Object(
      {
        features: Features,
        label: Type.Optional(Type.String({ minLength: 1 })),
        /** Fixed scaling; absent: `task propose --statistics <task>` takes it from a statistics result. */
        scaling: Type.Optional(Type.Object({ mean: Type.Array(Type.Number()), std: Type.Array(Type.Number()) }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
    training: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    aggregation: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    rounds: Type.Integer({ minimum: 1 }),
    minParticipants: Type.Integer({ minimum: 1 }),
    maxParticipants: Type.Integer({ minimum: 1 }),
    /** Seconds a round stays open (it closes early once every admitted participant committed). */
    roundDuration: Type.Integer({ minimum: 1 }),
    /** ETH per round, as a decimal string ("1", "0.5"). */
    rewardPerRound: Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?$' }),
    modelAccess: Type.Union([Type.Literal('public'), Type.Literal('consortium')]),
    initialModel: Type.Optional(Type.Object({ file: Type.String({ minLength: 1 }), sha256: Type.String({ pattern: '^0x[0-9a-f]{64}$' }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type TaskFile = Static<typeof TaskFileSchema>;

export const TASK_FILE = 'task.json';
export const INITIAL_MODEL_FILE = 'initial-model.bin';
