// A redis-server of the test file's own and one client of it: started before the file's tests, stopped after them.
// Unit tests of what keeps its state in Redis (the watcher's cursor, the commitment index, the producer) share it.
import { spawnRedis, type SpawnedRedis } from '@cloister/devstack';
import { Redis } from 'ioredis';

export type TestRedis = { readonly url: string; readonly client: Redis };

/** Registers the file's beforeAll/afterAll; the fields are set once beforeAll has run. */
export function useTestRedis(): TestRedis {
  let server: SpawnedRedis | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await spawnRedis();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return {
    get url() {
      return server!.url;
    },
    get client() {
      return client!;
    },
  };
}
