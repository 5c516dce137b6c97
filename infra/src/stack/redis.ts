// Redis for the local stack: @cloister/devstack's startRedis (CLOISTER_REDIS_URL when set, otherwise a throw-away
// `redis-server` on a free port, stopped with the stack). Its failures are devstack's own errors
// (CLOISTER_ERR_DEVSTACK_REDIS_MISSING / _FAILED): one code per failure, whichever package started the server.
export { startRedis, REDIS_INSTALL_HINT, type LocalRedis, type StartRedisOptions } from '@cloister/devstack';
