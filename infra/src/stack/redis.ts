// Redis for the local stack: CLOISTER_REDIS_URL when set, otherwise a throw-away `redis-server` on a free port (no
// persistence), stopped with the stack (@cloister/devstack). Its errors carry infra's codes (README.md lists them).
import {
  DEVSTACK_ERROR_CODES,
  isDevstackError,
  startRedis as startDevelopmentRedis,
  type LocalRedis,
  type StartRedisOptions,
} from '@cloister/devstack';
import { InfraRedisFailedError, InfraRedisMissingError } from '../errors';

export { REDIS_INSTALL_HINT, type LocalRedis, type StartRedisOptions } from '@cloister/devstack';

/** Returns CLOISTER_REDIS_URL's server, or spawns `redis-server --appendonly yes` (its own data folder) on a free port and waits for PONG. */
export async function startRedis(options: StartRedisOptions = {}): Promise<LocalRedis> {
  try {
    return await startDevelopmentRedis(options);
  } catch (error) {
    if (!isDevstackError(error)) throw error;
    const Coded = error.code === DEVSTACK_ERROR_CODES.redisMissing ? InfraRedisMissingError : InfraRedisFailedError;
    throw new Coded(error.message, { cause: error, ...(error.details ? { details: error.details } : {}) });
  }
}
