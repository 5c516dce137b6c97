import type { Redis } from 'ioredis';

export type RedisPersistence = { appendOnly: boolean; snapshots: boolean };

/**
 * What the Redis in use keeps across a restart: the append-only file (INFO persistence: aof_enabled) and RDB
 * snapshots (CONFIG GET save; a managed Redis that refuses CONFIG is taken to snapshot).
 */
export async function redisPersistence(redis: Redis): Promise<RedisPersistence> {
  const info = await redis.info('persistence');
  const appendOnly = /^aof_enabled:1\s*$/m.test(info);
  let snapshots = true;
  try {
    const reply = (await redis.call('CONFIG', 'GET', 'save')) as string[];
    snapshots = (reply[1] ?? '').trim() !== '';
  } catch {
    snapshots = true;
  }
  return { appendOnly, snapshots };
}
