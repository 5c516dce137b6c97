// The devstack's errors: a stable code (`CLOISTER_ERR_DEVSTACK_…`), never reused; README.md lists them. Like every
// package's errors they extend protocol's CloisterError (code, message, details, cause).
import { CloisterError, type CloisterErrorOptions } from '@cloister/protocol';

export const DEVSTACK_ERROR_CODES = {
  redisMissing: 'CLOISTER_ERR_DEVSTACK_REDIS_MISSING',
  redisFailed: 'CLOISTER_ERR_DEVSTACK_REDIS_FAILED',
} as const;

export type DevstackErrorCode = (typeof DEVSTACK_ERROR_CODES)[keyof typeof DEVSTACK_ERROR_CODES];

/** A local development process could not start: a short message that says what to do, a stable code, details, a cause. */
export class DevstackError extends CloisterError {
  declare readonly code: DevstackErrorCode;

  constructor(code: DevstackErrorCode, message: string, options: CloisterErrorOptions = {}) {
    super(code, message, options);
  }
}

export function isDevstackError(value: unknown, code?: DevstackErrorCode): value is DevstackError {
  return value instanceof DevstackError && (code === undefined || value.code === code);
}
