// One registry of the protocol's errors. Every failure has its own class and a stable code
// (`CLOISTER_ERR_…`) that is never reused; protocol/README.md lists them all (a test checks it).

export type CloisterErrorOptions = {
  /** Machine-readable facts about the failure (offsets, sizes, expected values). Never secrets. */
  details?: Record<string, unknown>;
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
};

/** Base class of every Cloister error: a short message, a stable code, optional details and a cause chain. */
export class CloisterError extends Error {
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, options: CloisterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
  }
}

/** True when `value` is a CloisterError (optionally with the given code). */
export function isCloisterError(value: unknown, code?: string): value is CloisterError {
  return value instanceof CloisterError && (code === undefined || value.code === code);
}

/** Every code the protocol package defines, by a short key. Codes are stable and never reused. */
export const PROTOCOL_ERROR_CODES = {
  codecTruncated: 'CLOISTER_ERR_CODEC_TRUNCATED',
  codecBadMagic: 'CLOISTER_ERR_CODEC_BAD_MAGIC',
  codecUnsupportedVersion: 'CLOISTER_ERR_CODEC_UNSUPPORTED_VERSION',
  codecHeaderOversized: 'CLOISTER_ERR_CODEC_HEADER_OVERSIZED',
  codecInconsistent: 'CLOISTER_ERR_CODEC_INCONSISTENT',
  codecInvalidTensor: 'CLOISTER_ERR_CODEC_INVALID_TENSOR',
  updateInvalid: 'CLOISTER_ERR_UPDATE_INVALID',
  envelopeInvalidContext: 'CLOISTER_ERR_ENVELOPE_INVALID_CONTEXT',
  envelopeInvalidKey: 'CLOISTER_ERR_ENVELOPE_INVALID_KEY',
  envelopeInvalidOptions: 'CLOISTER_ERR_ENVELOPE_INVALID_OPTIONS',
  envelopeSourceFailed: 'CLOISTER_ERR_ENVELOPE_SOURCE_FAILED',
  envelopeHeaderInvalid: 'CLOISTER_ERR_ENVELOPE_HEADER_INVALID',
  envelopeHeaderOversized: 'CLOISTER_ERR_ENVELOPE_HEADER_OVERSIZED',
  envelopeWrongKey: 'CLOISTER_ERR_ENVELOPE_WRONG_KEY',
  envelopeWrongContext: 'CLOISTER_ERR_ENVELOPE_WRONG_CONTEXT',
  envelopeTampered: 'CLOISTER_ERR_ENVELOPE_TAMPERED',
  envelopeTruncated: 'CLOISTER_ERR_ENVELOPE_TRUNCATED',
  envelopeReordered: 'CLOISTER_ERR_ENVELOPE_REORDERED',
  envelopeTrailingData: 'CLOISTER_ERR_ENVELOPE_TRAILING_DATA',
  signatureInputInvalid: 'CLOISTER_ERR_SIGNATURE_INPUT_INVALID',
  signatureInvalid: 'CLOISTER_ERR_SIGNATURE_INVALID',
  schemaValidation: 'CLOISTER_ERR_SCHEMA_VALIDATION',
  dpNoiseInvalid: 'CLOISTER_ERR_DP_NOISE_INVALID',
} as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[keyof typeof PROTOCOL_ERROR_CODES];

type CloisterErrorClass<C extends string> = {
  new (message: string, options?: CloisterErrorOptions): CloisterError & { readonly code: C };
  readonly code: C;
};

function defineError<C extends string>(name: string, code: C): CloisterErrorClass<C> {
  const cls = class extends CloisterError {
    static readonly code: C = code;
    declare readonly code: C;
    constructor(message: string, options?: CloisterErrorOptions) {
      super(code, message, options);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls as CloisterErrorClass<C>;
}

const C = PROTOCOL_ERROR_CODES;

// codec/ and update/ decoding
/** The bytes end before the layout says they should. */
export const CodecTruncatedError = defineError('CodecTruncatedError', C.codecTruncated);
export type CodecTruncatedError = InstanceType<typeof CodecTruncatedError>;
/** The bytes do not start with the expected magic (not a Cloister tensor/update encoding). */
export const CodecBadMagicError = defineError('CodecBadMagicError', C.codecBadMagic);
export type CodecBadMagicError = InstanceType<typeof CodecBadMagicError>;
/** The format version is not one this build reads. */
export const CodecUnsupportedVersionError = defineError(
  'CodecUnsupportedVersionError',
  C.codecUnsupportedVersion,
);
export type CodecUnsupportedVersionError = InstanceType<typeof CodecUnsupportedVersionError>;
/** The header declares more bytes or entries than the format allows. */
export const CodecHeaderOversizedError = defineError('CodecHeaderOversizedError', C.codecHeaderOversized);
export type CodecHeaderOversizedError = InstanceType<typeof CodecHeaderOversizedError>;
/** Sizes, padding, names or counts contradict each other (including trailing bytes). */
export const CodecInconsistentError = defineError('CodecInconsistentError', C.codecInconsistent);
export type CodecInconsistentError = InstanceType<typeof CodecInconsistentError>;
/** A tensor handed to the encoder is invalid (name, shape, data length). */
export const CodecInvalidTensorError = defineError('CodecInvalidTensorError', C.codecInvalidTensor);
export type CodecInvalidTensorError = InstanceType<typeof CodecInvalidTensorError>;
/** An update payload is invalid (numExamples, metrics). */
export const UpdateInvalidError = defineError('UpdateInvalidError', C.updateInvalid);
export type UpdateInvalidError = InstanceType<typeof UpdateInvalidError>;

// envelope/
/** The envelope context (chain id, addresses, task, round) is out of range or malformed. */
export const EnvelopeInvalidContextError = defineError(
  'EnvelopeInvalidContextError',
  C.envelopeInvalidContext,
);
export type EnvelopeInvalidContextError = InstanceType<typeof EnvelopeInvalidContextError>;
/** A public key, private key or seed is malformed. */
export const EnvelopeInvalidKeyError = defineError('EnvelopeInvalidKeyError', C.envelopeInvalidKey);
export type EnvelopeInvalidKeyError = InstanceType<typeof EnvelopeInvalidKeyError>;
/** Seal/open options are invalid (chunk size, input type). */
export const EnvelopeInvalidOptionsError = defineError(
  'EnvelopeInvalidOptionsError',
  C.envelopeInvalidOptions,
);
export type EnvelopeInvalidOptionsError = InstanceType<typeof EnvelopeInvalidOptionsError>;
/** The input stream failed or yielded something other than bytes. */
export const EnvelopeSourceFailedError = defineError('EnvelopeSourceFailedError', C.envelopeSourceFailed);
export type EnvelopeSourceFailedError = InstanceType<typeof EnvelopeSourceFailedError>;
/** The stream header is malformed: magic, version, suite, lengths. */
export const EnvelopeHeaderInvalidError = defineError('EnvelopeHeaderInvalidError', C.envelopeHeaderInvalid);
export type EnvelopeHeaderInvalidError = InstanceType<typeof EnvelopeHeaderInvalidError>;
/** The stream header declares a size above the format's limit. */
export const EnvelopeHeaderOversizedError = defineError(
  'EnvelopeHeaderOversizedError',
  C.envelopeHeaderOversized,
);
export type EnvelopeHeaderOversizedError = InstanceType<typeof EnvelopeHeaderOversizedError>;
/** The key-confirmation value does not match: sealed to another key (or its enc was replaced). */
export const EnvelopeWrongKeyError = defineError('EnvelopeWrongKeyError', C.envelopeWrongKey);
export type EnvelopeWrongKeyError = InstanceType<typeof EnvelopeWrongKeyError>;
/** Right key, but the envelope was sealed for another context (chain, contract, task, round, participant). */
export const EnvelopeWrongContextError = defineError('EnvelopeWrongContextError', C.envelopeWrongContext);
export type EnvelopeWrongContextError = InstanceType<typeof EnvelopeWrongContextError>;
/** A byte of the header or of a chunk was changed: authentication failed. */
export const EnvelopeTamperedError = defineError('EnvelopeTamperedError', C.envelopeTampered);
export type EnvelopeTamperedError = InstanceType<typeof EnvelopeTamperedError>;
/** The stream ended before its final chunk. */
export const EnvelopeTruncatedError = defineError('EnvelopeTruncatedError', C.envelopeTruncated);
export type EnvelopeTruncatedError = InstanceType<typeof EnvelopeTruncatedError>;
/** An authentic chunk arrived at the wrong position (reordered, dropped or duplicated chunks). */
export const EnvelopeReorderedError = defineError('EnvelopeReorderedError', C.envelopeReordered);
export type EnvelopeReorderedError = InstanceType<typeof EnvelopeReorderedError>;
/** Bytes follow the final chunk. */
export const EnvelopeTrailingDataError = defineError('EnvelopeTrailingDataError', C.envelopeTrailingData);
export type EnvelopeTrailingDataError = InstanceType<typeof EnvelopeTrailingDataError>;

// signatures/
/** The digest to sign/verify is malformed (hash length, address, ranges). */
export const SignatureInputInvalidError = defineError('SignatureInputInvalidError', C.signatureInputInvalid);
export type SignatureInputInvalidError = InstanceType<typeof SignatureInputInvalidError>;
/** The signature is malformed or does not recover to an address. */
export const SignatureInvalidError = defineError('SignatureInvalidError', C.signatureInvalid);
export type SignatureInvalidError = InstanceType<typeof SignatureInvalidError>;

// schemas/
/** A value does not match its schema; `details.errors` lists the failing paths. */
export const SchemaValidationError = defineError('SchemaValidationError', C.schemaValidation);
export type SchemaValidationError = InstanceType<typeof SchemaValidationError>;

/** Differential-privacy noise asked with a σ, sensitivity or variance the samplers cannot take. */
export const DpNoiseInvalidError = defineError('DpNoiseInvalidError', C.dpNoiseInvalid);
