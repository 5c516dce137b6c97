import { connect, createServer } from 'node:net';
import {
  DEVSTACK_ERROR_CODES,
  freePort,
  isDevstackError,
  spawnManaged,
  spawnRedis,
  startRedis,
  until,
} from '../src';

jest.setTimeout(30_000);

/** Sends one inline command to a Redis server and resolves with its first reply line. */
async function redisCommand(url: string, command: string): Promise<string> {
  return (await redisReply(url, command)).split('\r\n')[0]!;
}

/** Sends one inline command to a Redis server and resolves with its whole (first packet of) reply. */
function redisReply(url: string, command: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('freePort', () => {
  it('returns a port that can be listened on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    expect((server.address() as { port: number }).port).toBe(port);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('spawnManaged', () => {
  it('keeps the output, stops the process group and reports the exit', async () => {
    const proc = spawnManaged(process.execPath, ['-e', 'console.log("hello"); setInterval(() => {}, 1000)']);
    await until('output', () => proc.output().includes('hello'), 10_000, 20);
    expect(proc.exited()).toBe(false);
    await proc.stop();
    expect(proc.exited()).toBe(true);
    expect(await proc.exit).toBe('SIGTERM');
    await proc.stop(); // twice is fine
  });
});

describe('spawnRedis / startRedis', () => {
  it('starts a redis-server that answers PING and stops it', async () => {
    const redis = await spawnRedis();
    try {
      expect(redis.spawned).toBe(true);
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(redis.pid).toBeGreaterThan(0);
      expect(await redisCommand(redis.url, 'PING')).toBe('+PONG');
    } finally {
      await redis.stop();
    }
    expect(await portOpen(redis.port)).toBe(false);
    await redis.stop(); // twice is fine
  });

  it('persists every acknowledged write: a SIGKILLed server restarted on its folder still has it (faults issue item 1)', async () => {
    const redis = await spawnRedis();
    try {
      expect(await redisReply(redis.url, 'CONFIG GET appendonly')).toBe('*2\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n');
      expect(await redisCommand(redis.url, 'SET accepted-upload yes')).toBe('+OK');
      const firstPid = redis.pid;
      await redis.kill();
      expect(await portOpen(redis.port)).toBe(false);
      await redis.restart();
      expect(redis.pid).not.toBe(firstPid);
      expect(await redisReply(redis.url, 'GET accepted-upload')).toBe('$3\r\nyes\r\n');
    } finally {
      await redis.stop();
    }
  });

  it('uses the given server (CLOISTER_REDIS_URL) instead of spawning one', async () => {
    const previous = process.env.CLOISTER_REDIS_URL;
    process.env.CLOISTER_REDIS_URL = 'redis://127.0.0.1:1';
    try {
      const fromEnv = await startRedis();
      expect(fromEnv).toMatchObject({ url: 'redis://127.0.0.1:1', spawned: false, pid: null });
      await fromEnv.stop();
      const spawned = await startRedis({ url: '' });
      try {
        expect(spawned.spawned).toBe(true);
        expect(await redisCommand(spawned.url, 'PING')).toBe('+PONG');
      } finally {
        await spawned.stop();
      }
    } finally {
      if (previous === undefined) delete process.env.CLOISTER_REDIS_URL;
      else process.env.CLOISTER_REDIS_URL = previous;
    }
  });

  it('a missing redis-server binary gives the coded error with an install hint', async () => {
    const error = await spawnRedis({ binary: '/nonexistent/redis-server' }).catch((e: unknown) => e);
    expect(isDevstackError(error, DEVSTACK_ERROR_CODES.redisMissing)).toBe(true);
    expect((error as Error).message).toMatch(/apt-get install -y redis-server/);
  });

  it('a server that never answers gives the coded error with its output', async () => {
    const error = await spawnRedis({ binary: process.execPath, timeoutMs: 500 }).catch((e: unknown) => e);
    expect(isDevstackError(error, DEVSTACK_ERROR_CODES.redisFailed)).toBe(true);
    expect((error as Error).message).toMatch(/did not answer on port \d+/);
  });
});

describe('until', () => {
  it('returns the first truthy value of the probe', async () => {
    let calls = 0;
    await expect(until('the third call', async () => (++calls >= 3 ? calls : null), 5_000, 5)).resolves.toBe(
      3,
    );
  });

  it('times out with a message naming what it waited for', async () => {
    await expect(until('the moon', async () => false, 50, 10)).rejects.toThrow(
      'timed out waiting for the moon',
    );
  });
});
