// The devstack's errors: a stable code (`CLOISTER_ERR_DEVSTACK_…`), never reused; README.md and docs/errors.md list them.
import { CloisterError, errorDefiner, errorGuard, type ErrorCodeOf } from '@cloister/protocol';

export const DEVSTACK_ERROR_CODES = {
  redisMissing: 'CLOISTER_ERR_DEVSTACK_REDIS_MISSING',
  redisFailed: 'CLOISTER_ERR_DEVSTACK_REDIS_FAILED',
} as const;

export type DevstackErrorCode = ErrorCodeOf<typeof DEVSTACK_ERROR_CODES>;

/** A local development process could not start. */
export class DevstackError extends CloisterError<DevstackErrorCode> {}

const define = errorDefiner('devstack', DevstackError);
const C = DEVSTACK_ERROR_CODES;

export class RedisMissingError extends define('RedisMissingError', { code: C.redisMissing, description: 'redis-server is not on the PATH: apt-get install -y redis-server.' }) {}
export class RedisFailedError extends define('RedisFailedError', { code: C.redisFailed, description: 'The spawned redis-server did not answer PING.' }) {}

export const isDevstackError = errorGuard(DevstackError);
