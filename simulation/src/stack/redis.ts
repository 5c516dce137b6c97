// A throw-away redis-server for the simulation (@cloister/devstack's spawnRedis: free port, append-only file in its own folder, its own
// process group, stopped with it; CLOISTER_REDIS_URL is not used: the round benchmark reads this server's RSS by pid). Its
// failures are devstack's own errors (CLOISTER_ERR_DEVSTACK_REDIS_MISSING / _FAILED).
import { spawnRedis } from '@cloister/devstack';

export type SimulationRedis = { url: string; pid: number; stop(): Promise<void> };

/** Spawns `redis-server --appendonly yes` (its own data folder) on a free port and waits for PONG. */
export async function startRedis(options: { binary?: string; timeoutMs?: number } = {}): Promise<SimulationRedis> {
  const redis = await spawnRedis(options);
  return { url: redis.url, pid: redis.pid, stop: redis.stop };
}
