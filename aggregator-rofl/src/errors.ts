// One registry of the aggregator's errors. Every failure has a stable code (`CLOISTER_ERR_…`) that is never reused;
// README.md lists them all and cli/src/docs/errorReference.test.ts checks that the list and this registry agree. The
// base class is protocol's CloisterError (code, message, details, cause), like every package's.
import { CloisterError, errorDefiner } from '@cloister/protocol';

/** Base class of every aggregator error: short message, stable code, optional details and cause chain. */
export class AggregatorError extends CloisterError {}

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
  validationSetUnavailable: 'CLOISTER_ERR_AGG_VALIDATION_SET_UNAVAILABLE',
  openWorkerFailed: 'CLOISTER_ERR_AGG_OPEN_WORKER_FAILED',
  modelUnavailable: 'CLOISTER_ERR_AGG_MODEL_UNAVAILABLE',
  healthServer: 'CLOISTER_ERR_AGG_HEALTH_SERVER',
  notReady: 'CLOISTER_ERR_AGG_NOT_READY',
} as const;

const define = errorDefiner('aggregator-rofl', AggregatorError);

export class ConfigInvalidError extends define('ConfigInvalidError', { code: AGGREGATOR_ERROR_CODES.configInvalid, description: 'A configuration value is missing or malformed (environment, task spec parameters).' }) {}
export class StrategyUnknownError extends define('StrategyUnknownError', { code: AGGREGATOR_ERROR_CODES.strategyUnknown, description: 'The task spec names a strategy this aggregator does not implement.' }) {}
export class StrategyParamsError extends define('StrategyParamsError', { code: AGGREGATOR_ERROR_CODES.strategyParams, description: 'A strategy parameter is out of range (e.g. trimmed-mean beta ≥ 0.5, Krum with too few updates).' }) {}
export class TooManyUpdatesError extends define('TooManyUpdatesError', { code: AGGREGATOR_ERROR_CODES.tooManyUpdates, description: 'A strategy that keeps every update in memory (median, trimmed mean, Krum) got more than its configured bound.' }) {}
export class LayoutMismatchError extends define('LayoutMismatchError', { code: AGGREGATOR_ERROR_CODES.layoutMismatch, description: 'A vector does not match the model layout (internal misuse: updates are validated before they get here).' }) {}
export class StateCorruptError extends define('StateCorruptError', { code: AGGREGATOR_ERROR_CODES.stateCorrupt, description: 'Persisted server-optimizer / accountant state cannot be read or does not match the model.' }) {}
export class DpUnsupportedError extends define('DpUnsupportedError', { code: AGGREGATOR_ERROR_CODES.dpUnsupported, description: 'Central DP was requested with a strategy whose sensitivity is not bounded by clipping (median, Krum, …).' }) {}
export class AppdUnavailableError extends define('AppdUnavailableError', { code: AGGREGATOR_ERROR_CODES.appdUnavailable, description: 'appd\'s unix socket cannot be reached (not running inside ROFL, or wrong CLOISTER_APPD_SOCKET).' }) {}
export class AppdHttpError extends define('AppdHttpError', { code: AGGREGATOR_ERROR_CODES.appdHttp, description: 'appd answered with a non-2xx HTTP status.' }) {}
export class AppdBadResponseError extends define('AppdBadResponseError', { code: AGGREGATOR_ERROR_CODES.appdBadResponse, description: 'appd answered 2xx with a body that is not what its API documents.' }) {}
export class AppdTxFailedError extends define('AppdTxFailedError', { code: AGGREGATOR_ERROR_CODES.appdTxFailed, description: 'A transaction sent through appd sign-submit failed (`{fail: {module, code, message}}`); revert decoded if possible.' }) {}
export class CoordinatorHttpError extends define('CoordinatorHttpError', { code: AGGREGATOR_ERROR_CODES.coordinatorHttp, description: 'The coordinator answered an aggregator request with an unexpected HTTP status.' }) {}
export class BlobHashMismatchError extends define('BlobHashMismatchError', { code: AGGREGATOR_ERROR_CODES.blobHashMismatch, description: 'A blob (task spec, previous model) fetched from the coordinator does not hash to the on-chain value.' }) {}
export class JobInvalidError extends define('JobInvalidError', { code: AGGREGATOR_ERROR_CODES.jobInvalid, description: 'A BullMQ job payload does not match the AggregationJob schema.' }) {}
export class RoundNotClosedError extends define('RoundNotClosedError', { code: AGGREGATOR_ERROR_CODES.roundNotClosed, description: 'The round is not in the Closed state on chain (still open, failed, or unknown).' }) {}
export class ChainMismatchError extends define('ChainMismatchError', { code: AGGREGATOR_ERROR_CODES.chainMismatch, description: 'The job names another chain or TaskManager than the one this aggregator is configured for.' }) {}
export class TaskSpecInvalidError extends define('TaskSpecInvalidError', { code: AGGREGATOR_ERROR_CODES.taskSpecInvalid, description: 'The task spec document is not JSON, not a valid TaskSpec (schema, strategy parameters, rules between sections) or not a training task.' }) {}
export class OpenWorkerFailedError extends define('OpenWorkerFailedError', { code: AGGREGATOR_ERROR_CODES.openWorkerFailed, description: 'An opener pool worker thread crashed, exited or answered without a result (the job fails and is retried).' }) {}
export class InferenceRequestInvalidError extends define('InferenceRequestInvalidError', { code: AGGREGATOR_ERROR_CODES.inferenceRequestInvalid, description: 'An inference request is malformed, does not open in the TEE, or its input does not fit the model.', statusCode: 400 }) {}
export class InferenceSignatureInvalidError extends define('InferenceSignatureInvalidError', { code: AGGREGATOR_ERROR_CODES.inferenceSignatureInvalid, description: 'The request\'s EIP-712 signature is not the querier\'s: nothing is charged to someone who did not ask.', statusCode: 401 }) {}
export class InferenceInsufficientCreditError extends define('InferenceInsufficientCreditError', { code: AGGREGATOR_ERROR_CODES.inferenceInsufficientCredit, description: 'The querier\'s credit minus its unsettled usage does not cover the request; nothing is charged (deposit more).', statusCode: 402 }) {}
export class InferencePausedError extends define('InferencePausedError', { code: AGGREGATOR_ERROR_CODES.inferencePaused, description: 'Governance paused inference for the task.', statusCode: 403 }) {}
export class InferenceModelUnavailableError extends define('InferenceModelUnavailableError', { code: AGGREGATOR_ERROR_CODES.inferenceModelUnavailable, description: 'The task or its accepted model cannot be found or loaded.', statusCode: 404 }) {}
export class InferenceRateLimitedError extends define('InferenceRateLimitedError', { code: AGGREGATOR_ERROR_CODES.inferenceRateLimited, description: 'The querier sent more requests than the per-querier limit allows (Retry-After).', statusCode: 429 }) {}
export class InferenceUnavailableError extends define('InferenceUnavailableError', { code: AGGREGATOR_ERROR_CODES.inferenceUnavailable, description: 'The chain, Redis or the coordinator cannot be reached right now (Retry-After).', statusCode: 503 }) {}
export class ModelKeyUnavailableError extends define('ModelKeyUnavailableError', { code: AGGREGATOR_ERROR_CODES.modelKeyUnavailable, description: 'A consortium model key cannot be derived, stored or matched (appd or ModelKeyRegistry).' }) {}
export class ModelUnavailableError extends define('ModelUnavailableError', { code: AGGREGATOR_ERROR_CODES.modelUnavailable, description: "The round's previous global model is missing or does not hash to its on-chain value (the round fails with MODEL_UNAVAILABLE)." }) {}
export class HealthServerError extends define('HealthServerError', { code: AGGREGATOR_ERROR_CODES.healthServer, description: 'The /health, /ready and /metrics server cannot listen on CLOISTER_HEALTH_PORT.' }) {}
export class NotReadyError extends define('NotReadyError', { code: AGGREGATOR_ERROR_CODES.notReady, description: "/ready answers 503 with Retry-After: Redis, the chain or the worker is not usable now (the body's checks say which).", statusCode: 503 }) {}
export class ValidationSetUnavailableError extends define('ValidationSetUnavailableError', { code: AGGREGATOR_ERROR_CODES.validationSetUnavailable, description: "The task's sealed validation set cannot be fetched, does not hash to the spec's value, or does not open with this aggregator's key and deployment." }) {}
