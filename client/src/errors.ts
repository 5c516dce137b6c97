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
} as const;

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[keyof typeof CLIENT_ERROR_CODES];

const C = CLIENT_ERROR_CODES;

/** The task spec document cannot be used by the client (not JSON, invalid, noise without clipNorm). */
export class ModelSpecInvalidError extends ClientError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.ModelSpecInvalid, message, details, options);
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
