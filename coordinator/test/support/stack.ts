// One in-process coordinator on a real stack, as the integration tests use it: a throw-away redis-server, a Hardhat
// chain with Cloister deployed (startTestChain), the coordinator on a temporary filesystem store, a socket.io
// listener on task 1, and a Redis connection for inspecting BullMQ queues. `stop()` undoes all of it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { spawnRedis, type SpawnedRedis } from '@cloister/devstack';
import { startCoordinator, type RunningCoordinator } from '../../src';
import type { ConfigInput } from '../../src/config';
import { developmentConfig } from '../../src/development';
import { startTestChain, type TestChain } from './chain';
import { listen } from './socket';

export type CoordinatorStack = {
  redis: SpawnedRedis;
  t: TestChain;
  coordinator: RunningCoordinator;
  sock: Awaited<ReturnType<typeof listen>>;
  /** For BullMQ Queue handles in the test (maxRetriesPerRequest: null, as BullMQ requires). */
  queueConn: Redis;
  stop(): Promise<void>;
};

export async function startCoordinatorStack(options: {
  /** Prefix of the temporary store folder, and of the session secret unless `config.auth` names one. */
  name: string;
  /** Default: a challenge window of 600 s, longer than any test waits. */
  chain?: Parameters<typeof startTestChain>[0];
  /** The test's own settings (auth, uploads, rounds); host, port, redis, chain and store come from the stack. */
  config: Pick<ConfigInput, 'auth' | 'uploads' | 'rounds' | 'rateLimits' | 'socket' | 'dashboard'>;
}): Promise<CoordinatorStack> {
  const storeDir = mkdtempSync(path.join(os.tmpdir(), `${options.name}-`));
  const [redis, t] = await Promise.all([spawnRedis(), startTestChain(options.chain ?? { challengeWindow: 600 })]);
  const coordinator = await startCoordinator(
    developmentConfig(t, redis.url, storeDir, {
      logLevel: (process.env.TEST_LOG_LEVEL ?? 'warn') as 'warn',
      ...options.config,
      auth: { sessionSecret: `${options.name}-session-secret-0123456789abcdef`, ...options.config.auth },
    }),
  );
  const sock = await listen(coordinator.url, 'all');
  const queueConn = new Redis(redis.url, { maxRetriesPerRequest: null });
  return {
    redis,
    t,
    coordinator,
    sock,
    queueConn,
    async stop() {
      sock.close();
      queueConn.disconnect();
      await coordinator.close();
      await Promise.allSettled([redis.stop(), t.stop()]);
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
