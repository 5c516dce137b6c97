/** Why the aggregator left a committed participant out; same numbers as the contract's uint8 reason. */
export const EXCLUSION_REASON = {
  MissingUpload: 1,
  HashMismatch: 2,
  BadSignature: 3,
  DecryptFailed: 4,
  MalformedUpdate: 5,
  ShapeMismatch: 6,
  NonFinite: 7,
  NormExceeded: 8,
  RobustFilter: 9,
  /** The update claims more training examples than the participant's declared bound (task spec `exampleCountBound`). */
  ExampleCountExceeded: 10,
} as const;
export type ExclusionReason = (typeof EXCLUSION_REASON)[keyof typeof EXCLUSION_REASON];

/**
 * Why a round failed: the contract's uint8 reason in `RoundFailed(taskId, round, committedCount, reason)`.
 * closeRound emits TooFewCommitments; the aggregator's failRound sends the others.
 */
export const ROUND_FAILURE_REASON = {
  /** Fewer than minParticipants committed before the round closed. */
  TooFewCommitments: 1,
  /** Fewer than minParticipants updates passed validation: publishing would reveal too few participants' updates. */
  BelowPrivacyFloor: 2,
  /** The aggregator cannot run the task's spec (invalid TaskSpec, unknown strategy, parameters out of range). */
  SpecRefused: 3,
  /** The previous global model could not be fetched or does not match its on-chain hash. */
  ModelUnavailable: 4,
  /** An unrecoverable error in the aggregation (retrying the same round would fail the same way). */
  AggregationFailed: 5,
} as const;
export type RoundFailureReason = (typeof ROUND_FAILURE_REASON)[keyof typeof ROUND_FAILURE_REASON];

/** The contract's round states. */
export const ROUND_STATE = {
  None: 0,
  Open: 1,
  Closed: 2,
  Failed: 3,
  Finalized: 4,
  Accepted: 5,
  Rejected: 6,
} as const;
export type RoundState = (typeof ROUND_STATE)[keyof typeof ROUND_STATE];

/** BullMQ queue and job names. */
export const QUEUE = { aggregation: 'cloister-aggregation', rounds: 'cloister-rounds' } as const;
export const JOB = { aggregateRound: 'aggregate-round', closeRound: 'close-round' } as const;

/** jobId of an aggregation job: unique per (task, round, opening), so a retry or duplicate is deduplicated. */
export function aggregationJobId(
  taskId: bigint | string,
  round: bigint | number,
  openedAt: bigint | number,
): string {
  return `aggregate-${taskId}-${round}-${openedAt}`;
}

/** HTTP header names. */
export const HEADERS = {
  signature: 'x-cloister-signature',
  aggregatorTimestamp: 'x-cloister-aggregator-timestamp',
  aggregatorSignature: 'x-cloister-aggregator-signature',
} as const;

/** Aggregator request authentication: EIP-191 signature of `cloister-aggregator:${method}:${path}:${timestamp}`. */
export const AGGREGATOR_AUTH = { prefix: 'cloister-aggregator', maxSkewMs: 60_000 } as const;
export function aggregatorAuthMessage(method: string, path: string, timestampMs: number | string): string {
  return `${AGGREGATOR_AUTH.prefix}:${method.toUpperCase()}:${path}:${timestampMs}`;
}

/** socket.io: the client's subscribe event, the room name, and the events the server emits (payload RoundEvent). */
export const SOCKET = {
  subscribe: 'subscribe',
  room: (taskId: bigint | string) => `task:${taskId}`,
} as const;
export const ROUND_EVENTS = [
  'round:opened',
  'round:closing',
  'round:closed',
  'round:failed',
  'round:finalized',
  'round:accepted',
  'round:rejected',
  'model:available',
  'task:status',
] as const;
export type RoundEventName = (typeof ROUND_EVENTS)[number];

/** Aggregation strategy names a task spec may use. */
export const STRATEGIES = [
  'fedavg',
  'fedavgm',
  'fedadam',
  'fedyogi',
  'fedadagrad',
  'median',
  'trimmed-mean',
  'krum',
  'multi-krum',
  'fltrust',
] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/**
 * The envelope context a validation set is sealed under (with the deployment's chain id and TaskManager): the task id
 * is not known when the author writes the spec, so task 0, round 0 (no update uses round 0), the zero address.
 */
export const VALIDATION_SET_ENVELOPE = { taskId: 0n, round: 0n, participant: '0x0000000000000000000000000000000000000000' } as const;

/** Optimizers a task spec may name (tfjs `tf.train.*`). */
export const OPTIMIZERS = ['sgd', 'momentum', 'adagrad', 'adadelta', 'adam', 'adamax', 'rmsprop'] as const;
