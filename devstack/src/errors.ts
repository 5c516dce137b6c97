// The devstack's errors: a stable code (`CLOISTER_ERR_DEVSTACK_…`), never reused; README.md lists them.

export const DEVSTACK_ERROR_CODES = {
  redisMissing: 'CLOISTER_ERR_DEVSTACK_REDIS_MISSING',
  redisFailed: 'CLOISTER_ERR_DEVSTACK_REDIS_FAILED',
} as const;

export type DevstackErrorCode = (typeof DEVSTACK_ERROR_CODES)[keyof typeof DEVSTACK_ERROR_CODES];

/** A local development process could not start: a short message that says what to do, a stable code, details, a cause. */
export class DevstackError extends Error {
  readonly code: DevstackErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(
    code: DevstackErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DevstackError';
    this.code = code;
    if (options.details !== undefined) this.details = options.details;
  }
}

export function isDevstackError(value: unknown, code?: DevstackErrorCode): value is DevstackError {
  return value instanceof DevstackError && (code === undefined || value.code === code);
}
