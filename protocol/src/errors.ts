// One registry of the protocol's errors. Every failure has its own class and a stable code
// (`CLOISTER_ERR_…`) that is never reused; protocol/README.md lists them all (a test checks it).

/** Machine-readable facts about a failure (offsets, sizes, expected values). Never secrets. */
export type ErrorDetails = Record<string, unknown>;

export type CloisterErrorOptions = {
  details?: ErrorDetails;
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
};

/** Where the generated error reference lives (docs/errors.md, one anchor per code). */
export const ERROR_REFERENCE_PATH = 'docs/errors.md';

/** The anchor of `code` in the error reference: the code in lower case. */
export function errorReferenceAnchor(code: string): string {
  return code.toLowerCase();
}

/**
 * Base class of every Cloister error: a short message, a stable code (`CLOISTER_ERR_…`, never reused), the HTTP status
 * where one applies, optional details and a cause chain. The only class in the code base that extends Error (a lint
 * rule refuses any other); every error is made with `defineError`. `Code` narrows the code a package's base class
 * carries (`class CliError extends CloisterError<CliErrorCode> {}`).
 */
export class CloisterError<Code extends string = string> extends Error {
  readonly code: Code;
  /** The HTTP status an API answers with when this error ends a request (4xx: the caller's fault; 503: retry later). */
  readonly statusCode?: number;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, options: CloisterErrorOptions & { statusCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code as Code;
    if (options.statusCode !== undefined) this.statusCode = options.statusCode;
    if (options.details !== undefined) this.details = options.details;
  }

  /** This error, then its cause, the cause's cause, … (each once, so a cyclic chain ends). */
  *walk(): Generator<unknown, void, undefined> {
    const seen = new Set<unknown>([this]);
    yield this;
    let current: unknown = this.cause;
    while (current !== undefined && current !== null && !seen.has(current)) {
      seen.add(current);
      yield current;
      current = (current as { cause?: unknown }).cause;
    }
  }

  /** The first error of the chain (this one included) that is a CloisterError with `code`, if any. */
  find(code: string): CloisterError | undefined {
    for (const error of this.walk()) if (isCloisterError(error, code)) return error;
    return undefined;
  }

  /** Where this code is explained: `docs/errors.md#<code in lower case>`. */
  get reference(): string {
    return `${ERROR_REFERENCE_PATH}#${errorReferenceAnchor(this.code)}`;
  }
}

/**
 * The type guard of an error family: `errorGuard(DevstackError)` is true for a DevstackError (optionally with the given
 * code). Each package's `is<Package>Error` is one.
 */
export function errorGuard<B extends CloisterError>(
  Base: abstract new (...args: never[]) => B,
): (value: unknown, code?: B['code']) => value is B {
  return (value: unknown, code?: B['code']): value is B =>
    value instanceof Base && (code === undefined || value.code === code);
}

/** True when `value` is a CloisterError (optionally with the given code). */
export const isCloisterError: (value: unknown, code?: string) => value is CloisterError = errorGuard(CloisterError);

/** The union of the codes of a package's code table (`ErrorCodeOf<typeof CLI_ERROR_CODES>`). */
export type ErrorCodeOf<Codes extends Record<string, string>> = Codes[keyof Codes];

/** One error as the registry and the generated reference know it. */
export type ErrorDefinition = {
  /** The workspace package that defines it (`protocol`, `coordinator`, …). */
  package: string;
  /** The class name (`CodecTruncatedError`). */
  name: string;
  code: string;
  /** What happened and, where it helps, what to do next. */
  description: string;
  statusCode?: number;
};

const registry = new Map<string, ErrorDefinition>();

/** Every error defined so far (by the modules loaded in this process), sorted by package then code. */
export function registeredErrors(): ErrorDefinition[] {
  return [...registry.values()].sort((a, b) => a.package.localeCompare(b.package) || a.code.localeCompare(b.code));
}

/**
 * An error class made by `errorDefiner`: `new X(message, { details, cause })`, with its code as a static. `statusCode`
 * in the options is for errors whose definition fixes none (a client relaying the status a server answered with).
 */
export type CloisterErrorClass<C extends string, B extends CloisterError = CloisterError> = {
  new (message: string, options?: CloisterErrorOptions & { statusCode?: number }): B & { readonly code: C };
  readonly code: C;
  readonly definition: ErrorDefinition;
};

/** A package's own base class (`AggregatorError`, …): CloisterError's constructor. */
export type CloisterErrorBase<B extends CloisterError = CloisterError> = new (
  code: string,
  message: string,
  options?: CloisterErrorOptions & { statusCode?: number },
) => B;

/**
 * The one way to define an error: `const define = errorDefiner('aggregator-rofl', AggregatorError)`, then
 * `export class StateCorruptError extends define('StateCorruptError', { code, description, statusCode? }) {}` (one
 * statement gives the class and its instance type). The definition is registered (for the generated reference); a
 * code defined twice with another name is a programming error.
 */
export function errorDefiner<B extends CloisterError = CloisterError>(
  packageName: string,
  Base: CloisterErrorBase<B> = CloisterError as unknown as CloisterErrorBase<B>,
) {
  return function define<C extends string>(
    name: string,
    spec: { code: C; description: string; statusCode?: number },
  ): CloisterErrorClass<C, B> {
    const definition: ErrorDefinition = { package: packageName, name, ...spec };
    const existing = registry.get(spec.code);
    if (existing !== undefined && (existing.name !== name || existing.package !== packageName)) {
      throw new TypeError(`error code ${spec.code} is defined twice: ${existing.package}/${existing.name} and ${packageName}/${name}`);
    }
    registry.set(spec.code, definition);
    const Defined = class extends (Base as CloisterErrorBase) {
      static readonly code: C = spec.code;
      static readonly definition = definition;
      constructor(message: string, options: CloisterErrorOptions & { statusCode?: number } = {}) {
        super(spec.code, message, spec.statusCode === undefined ? options : { ...options, statusCode: spec.statusCode });
      }
    };
    Object.defineProperty(Defined, 'name', { value: name });
    return Defined as unknown as CloisterErrorClass<C, B>;
  };
}

/** A package's error registry as its errors test checks it (see errorRegistryProblems). */
export type ErrorRegistry = {
  /** The package's code table's values. */
  codes: readonly string[];
  /** The package README's text: every code is listed there, in backticks. */
  readme: string;
  /** What every code looks like (default `CLOISTER_ERR_…`). */
  pattern?: RegExp;
  /** The package's errors module and base class: its exported classes must carry exactly the table's codes. */
  classes?: { exports: object; Base: abstract new (...args: never[]) => CloisterError };
};

/**
 * What is wrong with a package's error registry, one sentence a problem (none when it is right): a code repeated, not
 * matching the pattern or missing from the README; an exported error class not named after itself, or whose code is
 * not in the table; a code no class carries. Every package's errors test expects none.
 */
export function errorRegistryProblems(registry: ErrorRegistry): string[] {
  const { codes, readme, pattern = /^CLOISTER_ERR_[A-Z0-9_]+$/, classes } = registry;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const code of codes) {
    if (seen.has(code)) problems.push(`${code} is in the table twice`);
    seen.add(code);
    if (!pattern.test(code)) problems.push(`${code} does not match ${pattern}`);
    if (!readme.includes(`\`${code}\``)) problems.push(`${code} is not listed in the README`);
  }
  if (classes === undefined) return problems;
  const carried = new Set<string>();
  for (const [name, value] of Object.entries(classes.exports)) {
    if (typeof value !== 'function' || !(value.prototype instanceof classes.Base)) continue;
    const error = new (value as new (message: string) => CloisterError)('m');
    if (error.name !== name) problems.push(`${name} makes errors named ${error.name}`);
    if (!seen.has(error.code)) problems.push(`${name} carries ${error.code}, which is not in the table`);
    if (carried.has(error.code)) problems.push(`${name} carries ${error.code}, like another class`);
    carried.add(error.code);
  }
  for (const code of seen) if (!carried.has(code)) problems.push(`no exported class carries ${code}`);
  return problems;
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

const defineError = errorDefiner('protocol');

const C = PROTOCOL_ERROR_CODES;

// codec/ and update/ decoding
export class CodecTruncatedError extends defineError('CodecTruncatedError', { code: C.codecTruncated, description: 'The bytes end before the layout says they should.' }) {}
export class CodecBadMagicError extends defineError('CodecBadMagicError', { code: C.codecBadMagic, description: 'The bytes do not start with the expected magic (not a Cloister tensor/update encoding).' }) {}
export class CodecUnsupportedVersionError extends defineError('CodecUnsupportedVersionError', { code: C.codecUnsupportedVersion, description: 'The format version is not one this build reads.' }) {}
export class CodecHeaderOversizedError extends defineError('CodecHeaderOversizedError', { code: C.codecHeaderOversized, description: 'The header declares more bytes or entries than the format allows.' }) {}
export class CodecInconsistentError extends defineError('CodecInconsistentError', { code: C.codecInconsistent, description: 'Sizes, padding, names or counts contradict each other (including trailing bytes).' }) {}
export class CodecInvalidTensorError extends defineError('CodecInvalidTensorError', { code: C.codecInvalidTensor, description: 'A tensor handed to the encoder is invalid (name, shape, data length).' }) {}
export class UpdateInvalidError extends defineError('UpdateInvalidError', { code: C.updateInvalid, description: 'An update payload is invalid (numExamples, metrics).' }) {}

// envelope/
export class EnvelopeInvalidContextError extends defineError('EnvelopeInvalidContextError', { code: C.envelopeInvalidContext, description: 'The envelope context (chain id, addresses, task, round) is out of range or malformed.' }) {}
export class EnvelopeInvalidKeyError extends defineError('EnvelopeInvalidKeyError', { code: C.envelopeInvalidKey, description: 'A public key, private key or seed is malformed.' }) {}
export class EnvelopeInvalidOptionsError extends defineError('EnvelopeInvalidOptionsError', { code: C.envelopeInvalidOptions, description: 'Seal/open options are invalid (chunk size, input type).' }) {}
export class EnvelopeSourceFailedError extends defineError('EnvelopeSourceFailedError', { code: C.envelopeSourceFailed, description: 'The input stream failed or yielded something other than bytes.' }) {}
export class EnvelopeHeaderInvalidError extends defineError('EnvelopeHeaderInvalidError', { code: C.envelopeHeaderInvalid, description: 'The stream header is malformed: magic, version, suite, lengths.' }) {}
export class EnvelopeHeaderOversizedError extends defineError('EnvelopeHeaderOversizedError', { code: C.envelopeHeaderOversized, description: 'The stream header declares a size above the format\'s limit.' }) {}
export class EnvelopeWrongKeyError extends defineError('EnvelopeWrongKeyError', { code: C.envelopeWrongKey, description: 'The key-confirmation value does not match: sealed to another key (or its enc was replaced).' }) {}
export class EnvelopeWrongContextError extends defineError('EnvelopeWrongContextError', { code: C.envelopeWrongContext, description: 'Right key, but the envelope was sealed for another context (chain, contract, task, round, participant).' }) {}
export class EnvelopeTamperedError extends defineError('EnvelopeTamperedError', { code: C.envelopeTampered, description: 'A byte of the header or of a chunk was changed: authentication failed.' }) {}
export class EnvelopeTruncatedError extends defineError('EnvelopeTruncatedError', { code: C.envelopeTruncated, description: 'The stream ended before its final chunk.' }) {}
export class EnvelopeReorderedError extends defineError('EnvelopeReorderedError', { code: C.envelopeReordered, description: 'An authentic chunk arrived at the wrong position (reordered, dropped or duplicated chunks).' }) {}
export class EnvelopeTrailingDataError extends defineError('EnvelopeTrailingDataError', { code: C.envelopeTrailingData, description: 'Bytes follow the final chunk.' }) {}

// signatures/
export class SignatureInputInvalidError extends defineError('SignatureInputInvalidError', { code: C.signatureInputInvalid, description: 'The digest to sign/verify is malformed (hash length, address, ranges).' }) {}
export class SignatureInvalidError extends defineError('SignatureInvalidError', { code: C.signatureInvalid, description: 'The signature is malformed or does not recover to an address.' }) {}

// schemas/
export class SchemaValidationError extends defineError('SchemaValidationError', { code: C.schemaValidation, description: 'A value does not match its schema; `details.errors` lists the failing paths.' }) {}

// privacy/
export class DpNoiseInvalidError extends defineError('DpNoiseInvalidError', { code: C.dpNoiseInvalid, description: 'Differential-privacy noise was asked with σ ≤ 0, a sensitivity ≤ 0 or a grid finer than 2^53 steps.' }) {}
