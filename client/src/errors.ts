// Every error the client raises: one class per problem, each with a stable code (never reused), listed in README.md.
// Messages say what happened and what to do next; `details` carries the machine-readable facts.

import { CloisterError, errorDefiner } from '@cloister/protocol';

/** Base of the client's errors: a CloisterError (stable `code`, `details`, `cause`) from @cloister/protocol. */
export class ClientError extends CloisterError {}

/**
 * Stable codes of the client package. The README lists them; cli/src/docs/errorReference.test.ts checks they are
 * unique and listed.
 */
export const CLIENT_ERROR_CODES = {
  ModelSpecInvalid: 'CLOISTER_ERR_CLIENT_MODEL_SPEC_INVALID',
  DatasetConfigInvalid: 'CLOISTER_ERR_CLIENT_DATASET_CONFIG_INVALID',
  DatasetFile: 'CLOISTER_ERR_CLIENT_DATASET_FILE',
  DatasetParse: 'CLOISTER_ERR_CLIENT_DATASET_PARSE',
  DatasetSchemaMismatch: 'CLOISTER_ERR_CLIENT_DATASET_SCHEMA_MISMATCH',
  GlobalModelHashMismatch: 'CLOISTER_ERR_CLIENT_GLOBAL_MODEL_HASH_MISMATCH',
  CoordinatorUnavailable: 'CLOISTER_ERR_CLIENT_COORDINATOR_UNAVAILABLE',
  CoordinatorRejected: 'CLOISTER_ERR_CLIENT_COORDINATOR_REJECTED',
  RoundNotOpen: 'CLOISTER_ERR_CLIENT_ROUND_NOT_OPEN',
  NotAdmitted: 'CLOISTER_ERR_CLIENT_NOT_ADMITTED',
  AggregatorKeyMissing: 'CLOISTER_ERR_CLIENT_AGGREGATOR_KEY_MISSING',
  CommitmentConflict: 'CLOISTER_ERR_CLIENT_COMMITMENT_CONFLICT',
  StateCorrupt: 'CLOISTER_ERR_CLIENT_STATE_CORRUPT',
  KeystoreMissing: 'CLOISTER_ERR_CLIENT_KEYSTORE_MISSING',
  KeystoreDecrypt: 'CLOISTER_ERR_CLIENT_KEYSTORE_DECRYPT',
  PassphraseMissing: 'CLOISTER_ERR_CLIENT_PASSPHRASE_MISSING',
  ConfigInvalid: 'CLOISTER_ERR_CLIENT_CONFIG_INVALID',
  ChainUnavailable: 'CLOISTER_ERR_CLIENT_CHAIN_UNAVAILABLE',
  ModelKeyDenied: 'CLOISTER_ERR_CLIENT_MODEL_KEY_DENIED',
  SealedModelUnavailable: 'CLOISTER_ERR_CLIENT_SEALED_MODEL_UNAVAILABLE',
  InferenceRefused: 'CLOISTER_ERR_CLIENT_INFERENCE_REFUSED',
  InferenceInputInvalid: 'CLOISTER_ERR_CLIENT_INFERENCE_INPUT_INVALID',
  RetryStopped: 'CLOISTER_ERR_CLIENT_RETRY_STOPPED',
} as const;

const C = CLIENT_ERROR_CODES;
const define = errorDefiner('client', ClientError);

export class ModelSpecInvalidError extends define('ModelSpecInvalidError', { code: C.ModelSpecInvalid, description: 'The task spec document cannot be used by the client (not JSON, invalid, noise without clipNorm).' }) {}
export class DatasetConfigInvalidError extends define('DatasetConfigInvalidError', { code: C.DatasetConfigInvalid, description: 'The dataset config JSON is not valid against its schema.' }) {}
export class DatasetFileError extends define('DatasetFileError', { code: C.DatasetFile, description: 'A data file cannot be read (missing, unreadable, bad gzip, bad idx header).' }) {}
export class DatasetParseError extends define('DatasetParseError', { code: C.DatasetParse, description: 'A data row or value cannot be parsed: names file, line and column.' }) {}
export class DatasetSchemaMismatchError extends define('DatasetSchemaMismatchError', { code: C.DatasetSchemaMismatch, description: 'The file does not match the config or the task\'s feature list (column count, names, scaling length).' }) {}
export class GlobalModelHashMismatchError extends define('GlobalModelHashMismatchError', { code: C.GlobalModelHashMismatch, description: 'The downloaded global model\'s sha256 differs from the hash on chain: the model is refused.' }) {}
export class CoordinatorUnavailableError extends define('CoordinatorUnavailableError', { code: C.CoordinatorUnavailable, description: 'The coordinator did not answer after all retries (down, timing out, or 5xx).' }) {}
export class ChainUnavailableError extends define('ChainUnavailableError', { code: C.ChainUnavailable, description: 'The chain RPC kept failing with transient network errors (reset, refused, timed out) after all retries.' }) {}
export class CoordinatorRejectedError extends define('CoordinatorRejectedError', { code: C.CoordinatorRejected, description: 'The coordinator answered with a 4xx error response (not retried).' }) {}
export class RoundNotOpenError extends define('RoundNotOpenError', { code: C.RoundNotOpen, description: 'The round is not open on chain (or its deadline passed).' }) {}
export class NotAdmittedError extends define('NotAdmittedError', { code: C.NotAdmitted, description: 'This account is not admitted to the task on chain.' }) {}
export class AggregatorKeyMissingError extends define('AggregatorKeyMissingError', { code: C.AggregatorKeyMissing, description: 'The aggregator has not published its HPKE public key on chain yet.' }) {}
export class CommitmentConflictError extends define('CommitmentConflictError', { code: C.CommitmentConflict, description: 'The chain holds a different commitment for this round than the local state: nothing is re-sent.' }) {}
export class StateCorruptError extends define('StateCorruptError', { code: C.StateCorrupt, description: 'The local round state directory holds unreadable or inconsistent files.' }) {}
export class KeystoreMissingError extends define('KeystoreMissingError', { code: C.KeystoreMissing, description: 'No keystore file at the given path.' }) {}
export class KeystoreDecryptError extends define('KeystoreDecryptError', { code: C.KeystoreDecrypt, description: 'The keystore could not be decrypted (wrong passphrase or damaged file).' }) {}
export class PassphraseMissingError extends define('PassphraseMissingError', { code: C.PassphraseMissing, description: 'No passphrase in CLOISTER_PASSPHRASE and no terminal to prompt on.' }) {}
export class ConfigInvalidError extends define('ConfigInvalidError', { code: C.ConfigInvalid, description: 'A node/CLI configuration value is missing or invalid.' }) {}
export class RetryStoppedError extends define('RetryStoppedError', { code: C.RetryStopped, description: 'Internal signal of withRetry: the failure is permanent (its cause), so retrying stops; the cause is what the caller sees.' }) {}
export class ModelKeyDeniedError extends define('ModelKeyDeniedError', { code: C.ModelKeyDenied, description: 'ModelKeyRegistry refused the model key: this account is neither admitted to the task nor a governance member.' }) {}
export class SealedModelUnavailableError extends define('SealedModelUnavailableError', { code: C.SealedModelUnavailable, description: "A consortium task's sealed model has no on-chain record yet (the TEE has not re-sealed the initial model): retry." }) {}
export class InferenceRefusedError extends define('InferenceRefusedError', { code: C.InferenceRefused, description: "The aggregator refused an inference request; `details.code` is its code (credit, paused, rate limit, …)." }) {}
export class InferenceInputInvalidError extends define('InferenceInputInvalidError', { code: C.InferenceInputInvalid, description: 'The rows given to `infer` cannot be read (file, CSV/JSON shape, non-numeric values).' }) {}
