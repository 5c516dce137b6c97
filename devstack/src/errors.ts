// The devstack's errors: a stable code (`CLOISTER_ERR_DEVSTACK_…`), never reused; README.md and docs/errors.md list them.
import { CloisterError, errorDefiner, type CloisterErrorOptions } from '@cloister/protocol';

export const DEVSTACK_ERROR_CODES = {
  redisMissing: 'CLOISTER_ERR_DEVSTACK_REDIS_MISSING',
  redisFailed: 'CLOISTER_ERR_DEVSTACK_REDIS_FAILED',
} as const;

export type DevstackErrorCode = (typeof DEVSTACK_ERROR_CODES)[keyof typeof DEVSTACK_ERROR_CODES];

/** A local development process could not start. */
export class DevstackError extends CloisterError {
  declare readonly code: DevstackErrorCode;
}

const define = errorDefiner('devstack', DevstackError);
const C = DEVSTACK_ERROR_CODES;

export const RedisMissingError = define('RedisMissingError', {
  code: C.redisMissing,
  description: 'redis-server is not on the PATH: apt-get install -y redis-server.',
});
export type RedisMissingError = InstanceType<typeof RedisMissingError>;
export const RedisFailedError = define('RedisFailedError', {
  code: C.redisFailed,
  description: 'The spawned redis-server did not answer PING.',
});
export type RedisFailedError = InstanceType<typeof RedisFailedError>;

export function isDevstackError(value: unknown, code?: DevstackErrorCode): value is DevstackError {
  return value instanceof DevstackError && (code === undefined || value.code === code);
}
export type { CloisterErrorOptions };
