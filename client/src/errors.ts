// Every error the client raises: one class per problem, each with a stable code (never reused), listed in README.md.
// Messages say what happened and what to do next; `details` carries the machine-readable facts.

import { CloisterError } from '@cloister/protocol';

export type ErrorDetails = Record<string, unknown>;

/** Base of the client's errors: a CloisterError (stable `code`, `details`, `cause`) from @cloister/protocol. */
export class ClientError extends CloisterError {
  constructor(code: string, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(code, message, { details, cause: options?.cause });
  }
}

/** Stable codes of the client package. The README lists them; a unit test checks they are unique. */
export const CLIENT_ERROR_CODES = {
  BackendUnavailable: 'CLOISTER_ERR_CLIENT_BACKEND_UNAVAILABLE',
  UnsupportedKernelInput: 'CLOISTER_ERR_CLIENT_UNSUPPORTED_KERNEL_INPUT',
  ModelSpecInvalid: 'CLOISTER_ERR_CLIENT_MODEL_SPEC_INVALID',
  WeightsMismatch: 'CLOISTER_ERR_CLIENT_WEIGHTS_MISMATCH',
  TrainingFailed: 'CLOISTER_ERR_CLIENT_TRAINING_FAILED',
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
} as const;

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[keyof typeof CLIENT_ERROR_CODES];

const C = CLIENT_ERROR_CODES;

/** Neither tfjs-node nor the wasm backend could be initialised. */
export class BackendUnavailableError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.BackendUnavailable, message, details, options);
  }
}

/** A kernel got an input layout it does not implement (e.g. NCHW on wasm, dilation > 1 in a gradient). */
export class UnsupportedKernelInputError extends ClientError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.UnsupportedKernelInput, message, details);
  }
}

/** The task's model topology or training settings cannot be used. */
export class ModelSpecInvalidError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.ModelSpecInvalid, message, details, options);
  }
}

/** Global weights do not match the model's variables (count, names, shapes or sizes). */
export class WeightsMismatchError extends ClientError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.WeightsMismatch, message, details);
  }
}

/** Local training produced something unusable (non-finite loss or weights, empty data). */
export class TrainingFailedError extends ClientError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.TrainingFailed, message, details);
  }
}

/** The dataset config JSON is not valid against its schema. */
export class DatasetConfigInvalidError extends ClientError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.DatasetConfigInvalid, message, details);
  }
}

/** A data file cannot be read (missing, unreadable, bad gzip, bad idx header). */
export class DatasetFileError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.DatasetFile, message, details, options);
  }
}

/** A data row or value cannot be parsed: names file, line and column. */
export class DatasetParseError extends ClientError {
  constructor(message: string, details: { file: string; line: number; column?: number | string } & ErrorDetails) {
    super(C.DatasetParse, message, details);
  }
}

/** The file does not match the config or the task's feature list (column count, names, scaling length). */
export class DatasetSchemaMismatchError extends ClientError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.DatasetSchemaMismatch, message, details);
  }
}

/** The downloaded global model's sha256 differs from the hash on chain: the model is refused. */
export class GlobalModelHashMismatchError extends ClientError {
  constructor(message: string, details: { expected: string; actual: string } & ErrorDetails) {
    super(C.GlobalModelHashMismatch, message, details);
  }
}

/** The coordinator did not answer after all retries (down, timing out, or 5xx). */
export class CoordinatorUnavailableError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.CoordinatorUnavailable, message, details, options);
  }
}

/** The chain RPC kept failing with transient network errors (reset, refused, timed out) after all retries. */
export class ChainUnavailableError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.ChainUnavailable, message, details, options);
  }
}

/** The coordinator answered with a 4xx error response (not retried). */
export class CoordinatorRejectedError extends ClientError {
  readonly statusCode: number;
  constructor(message: string, details: { statusCode: number } & ErrorDetails) {
    super(C.CoordinatorRejected, message, details);
    this.statusCode = details.statusCode;
  }
}

/** The round is not open on chain (or its deadline passed). */
export class RoundNotOpenError extends ClientError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.RoundNotOpen, message, details);
  }
}

/** This account is not admitted to the task on chain. */
export class NotAdmittedError extends ClientError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.NotAdmitted, message, details);
  }
}

/** The aggregator has not published its HPKE public key on chain yet. */
export class AggregatorKeyMissingError extends ClientError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.AggregatorKeyMissing, message, details);
  }
}

/** The chain holds a different commitment for this round than the local state: nothing is re-sent. */
export class CommitmentConflictError extends ClientError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.CommitmentConflict, message, details);
  }
}

/** The local round state directory holds unreadable or inconsistent files. */
export class StateCorruptError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.StateCorrupt, message, details, options);
  }
}

/** No keystore file at the given path. */
export class KeystoreMissingError extends ClientError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.KeystoreMissing, message, details);
  }
}

/** The keystore could not be decrypted (wrong passphrase or damaged file). */
export class KeystoreDecryptError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.KeystoreDecrypt, message, details, options);
  }
}

/** No passphrase in CLOISTER_PASSPHRASE and no terminal to prompt on. */
export class PassphraseMissingError extends ClientError {
  constructor(message: string) {
    super(C.PassphraseMissing, message);
  }
}

/** A node/CLI configuration value is missing or invalid. */
export class ConfigInvalidError extends ClientError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.ConfigInvalid, message, details);
  }
}

/** ModelKeyRegistry refused the model key: this account is neither admitted to the task nor a governance member. */
export class ModelKeyDeniedError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.ModelKeyDenied, message, details, options);
  }
}

/** A consortium task's sealed model has no on-chain record yet (the TEE has not re-sealed the initial model). */
export class SealedModelUnavailableError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.SealedModelUnavailable, message, details, options);
  }
}

/** The aggregator refused an inference request; `details.code` is its code (credit, paused, rate limit, …). */
export class InferenceRefusedError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.InferenceRefused, message, details, options);
  }
}

/** The rows given to `infer` cannot be read (file, CSV/JSON shape, non-numeric values). */
export class InferenceInputInvalidError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.InferenceInputInvalid, message, details, options);
  }
}
