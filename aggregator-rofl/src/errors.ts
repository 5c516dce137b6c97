// One registry of the aggregator's errors. Every failure has a stable code (`CLOISTER_ERR_…`) that is never reused;
// README.md lists them all and errors.test.ts checks that the list and this registry agree. The base class is
// protocol's CloisterError (code, message, details, cause), like every package's.
import { CloisterError, type CloisterErrorOptions } from '@cloister/protocol';

export type AggregatorErrorOptions = CloisterErrorOptions;

/** Base class of every aggregator error: short message, stable code, optional details and cause chain. */
export class AggregatorError extends CloisterError {
  constructor(code: string, message: string, options: AggregatorErrorOptions = {}) {
    super(code, message, options);
  }
}

export const AGGREGATOR_ERROR_CODES = {
  configInvalid: 'CLOISTER_ERR_AGG_CONFIG_INVALID',
  strategyUnknown: 'CLOISTER_ERR_AGG_STRATEGY_UNKNOWN',
  strategyParams: 'CLOISTER_ERR_AGG_STRATEGY_PARAMS',
  tooManyUpdates: 'CLOISTER_ERR_AGG_TOO_MANY_UPDATES',
  layoutMismatch: 'CLOISTER_ERR_AGG_LAYOUT_MISMATCH',
  stateCorrupt: 'CLOISTER_ERR_AGG_STATE_CORRUPT',
  dpUnsupported: 'CLOISTER_ERR_AGG_DP_UNSUPPORTED',
  appdUnavailable: 'CLOISTER_ERR_APPD_UNAVAILABLE',
  appdHttp: 'CLOISTER_ERR_APPD_HTTP',
  appdBadResponse: 'CLOISTER_ERR_APPD_BAD_RESPONSE',
  appdTxFailed: 'CLOISTER_ERR_APPD_TX_FAILED',
  coordinatorHttp: 'CLOISTER_ERR_AGG_COORDINATOR_HTTP',
  blobHashMismatch: 'CLOISTER_ERR_AGG_BLOB_HASH_MISMATCH',
  jobInvalid: 'CLOISTER_ERR_AGG_JOB_INVALID',
  roundNotClosed: 'CLOISTER_ERR_AGG_ROUND_NOT_CLOSED',
  chainMismatch: 'CLOISTER_ERR_AGG_CHAIN_MISMATCH',
  taskSpecInvalid: 'CLOISTER_ERR_AGG_TASK_SPEC_INVALID',
  inferenceRequestInvalid: 'CLOISTER_ERR_INFERENCE_REQUEST_INVALID',
  inferenceSignatureInvalid: 'CLOISTER_ERR_INFERENCE_SIGNATURE_INVALID',
  inferenceInsufficientCredit: 'CLOISTER_ERR_INFERENCE_INSUFFICIENT_CREDIT',
  inferencePaused: 'CLOISTER_ERR_INFERENCE_PAUSED',
  inferenceModelUnavailable: 'CLOISTER_ERR_INFERENCE_MODEL_UNAVAILABLE',
  inferenceRateLimited: 'CLOISTER_ERR_INFERENCE_RATE_LIMITED',
  inferenceUnavailable: 'CLOISTER_ERR_INFERENCE_UNAVAILABLE',
  modelKeyUnavailable: 'CLOISTER_ERR_AGG_MODEL_KEY_UNAVAILABLE',
  openWorkerFailed: 'CLOISTER_ERR_AGG_OPEN_WORKER_FAILED',
} as const;

export type AggregatorErrorCode = (typeof AGGREGATOR_ERROR_CODES)[keyof typeof AGGREGATOR_ERROR_CODES];

function define<C extends AggregatorErrorCode>(code: C, name: string) {
  const cls = class extends AggregatorError {
    static readonly code = code;
    declare readonly code: C;
    constructor(message: string, options?: AggregatorErrorOptions) {
      super(code, message, options);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

/** A configuration value is missing or malformed (environment, task spec parameters). */
export const ConfigInvalidError = define(AGGREGATOR_ERROR_CODES.configInvalid, 'ConfigInvalidError');
/** The task spec names a strategy this aggregator does not implement. */
export const StrategyUnknownError = define(AGGREGATOR_ERROR_CODES.strategyUnknown, 'StrategyUnknownError');
/** A strategy parameter is out of range (e.g. trimmed-mean beta ≥ 0.5, Krum with too few updates). */
export const StrategyParamsError = define(AGGREGATOR_ERROR_CODES.strategyParams, 'StrategyParamsError');
/** A strategy that keeps every update in memory (median, trimmed mean, Krum) got more than its configured bound. */
export const TooManyUpdatesError = define(AGGREGATOR_ERROR_CODES.tooManyUpdates, 'TooManyUpdatesError');
/** A vector does not match the model layout (internal misuse: updates are validated before they get here). */
export const LayoutMismatchError = define(AGGREGATOR_ERROR_CODES.layoutMismatch, 'LayoutMismatchError');
/** Persisted server-optimizer / accountant state cannot be read or does not match the model. */
export const StateCorruptError = define(AGGREGATOR_ERROR_CODES.stateCorrupt, 'StateCorruptError');
/** Central DP was requested with a strategy whose sensitivity is not bounded by clipping (median, Krum, …). */
export const DpUnsupportedError = define(AGGREGATOR_ERROR_CODES.dpUnsupported, 'DpUnsupportedError');
/** appd's unix socket cannot be reached (not running inside ROFL, or wrong APPD_SOCKET). */
export const AppdUnavailableError = define(AGGREGATOR_ERROR_CODES.appdUnavailable, 'AppdUnavailableError');
/** appd answered with a non-2xx HTTP status. */
export const AppdHttpError = define(AGGREGATOR_ERROR_CODES.appdHttp, 'AppdHttpError');
/** appd answered 2xx with a body that is not what its API documents. */
export const AppdBadResponseError = define(AGGREGATOR_ERROR_CODES.appdBadResponse, 'AppdBadResponseError');
/** A transaction sent through appd sign-submit failed (`{fail: {module, code, message}}`); revert decoded if possible. */
export const AppdTxFailedError = define(AGGREGATOR_ERROR_CODES.appdTxFailed, 'AppdTxFailedError');
/** The coordinator answered an aggregator request with an unexpected HTTP status. */
export const CoordinatorHttpError = define(AGGREGATOR_ERROR_CODES.coordinatorHttp, 'CoordinatorHttpError');
/** A blob (task spec, previous model) fetched from the coordinator does not hash to the on-chain value. */
export const BlobHashMismatchError = define(AGGREGATOR_ERROR_CODES.blobHashMismatch, 'BlobHashMismatchError');
/** A BullMQ job payload does not match the AggregationJob schema. */
export const JobInvalidError = define(AGGREGATOR_ERROR_CODES.jobInvalid, 'JobInvalidError');
/** The round is not in the Closed state on chain (still open, failed, or unknown). */
export const RoundNotClosedError = define(AGGREGATOR_ERROR_CODES.roundNotClosed, 'RoundNotClosedError');
/** The job names another chain or TaskManager than the one this aggregator is configured for. */
export const ChainMismatchError = define(AGGREGATOR_ERROR_CODES.chainMismatch, 'ChainMismatchError');
/** The task spec document is not valid JSON or lacks the aggregation section. */
export const TaskSpecInvalidError = define(AGGREGATOR_ERROR_CODES.taskSpecInvalid, 'TaskSpecInvalidError');

/** An inference request is malformed, does not open in the TEE, or its input does not fit the model (HTTP 400). */
export const InferenceRequestInvalidError = define(AGGREGATOR_ERROR_CODES.inferenceRequestInvalid, 'InferenceRequestInvalidError');
/** The request's EIP-712 signature is not the querier's (HTTP 401): nothing is charged to someone who did not ask. */
export const InferenceSignatureInvalidError = define(AGGREGATOR_ERROR_CODES.inferenceSignatureInvalid, 'InferenceSignatureInvalidError');
/** The querier's credit minus its unsettled usage does not cover the request (HTTP 402); nothing is charged. */
export const InferenceInsufficientCreditError = define(AGGREGATOR_ERROR_CODES.inferenceInsufficientCredit, 'InferenceInsufficientCreditError');
/** Governance paused inference for the task (HTTP 403). */
export const InferencePausedError = define(AGGREGATOR_ERROR_CODES.inferencePaused, 'InferencePausedError');
/** The task or its accepted model cannot be found or loaded (HTTP 404). */
export const InferenceModelUnavailableError = define(AGGREGATOR_ERROR_CODES.inferenceModelUnavailable, 'InferenceModelUnavailableError');
/** The querier sent more requests than the per-querier limit allows (HTTP 429, Retry-After). */
export const InferenceRateLimitedError = define(AGGREGATOR_ERROR_CODES.inferenceRateLimited, 'InferenceRateLimitedError');
/** The chain, Redis or the coordinator cannot be reached right now (HTTP 503, Retry-After). */
export const InferenceUnavailableError = define(AGGREGATOR_ERROR_CODES.inferenceUnavailable, 'InferenceUnavailableError');
/** A consortium model key cannot be derived, stored or matched (appd or ModelKeyRegistry). */
export const ModelKeyUnavailableError = define(AGGREGATOR_ERROR_CODES.modelKeyUnavailable, 'ModelKeyUnavailableError');
/** An opener pool worker thread crashed, exited or answered without a result (the job fails and is retried). */
export const OpenWorkerFailedError = define(AGGREGATOR_ERROR_CODES.openWorkerFailed, 'OpenWorkerFailedError');
