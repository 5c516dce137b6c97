// Redis for local development: CLOISTER_REDIS_URL's server when set (startRedis), otherwise a throw-away `redis-server` on a
// free port (no persistence) in its own process group, stopped with stop() or when this process exits.
import { connect } from 'node:net';
import { RedisMissingError, RedisFailedError } from './errors';
import { freePort } from './freePort';
import { spawnManaged } from './managedProcess';

export type LocalRedis = {
  url: string;
  /** False when an existing server (CLOISTER_REDIS_URL) is used. */
  spawned: boolean;
  /** Pid of the spawned redis-server; null when an existing server is used. */
  pid: number | null;
  /** Stops the spawned server (nothing for an existing one); resolves once it exited. Safe to call twice. */
  stop(): Promise<void>;
};

export type SpawnedRedis = LocalRedis & { spawned: true; pid: number; port: number };

export const REDIS_INSTALL_HINT =
  'redis-server was not found on the PATH: install it (apt-get install -y redis-server) or set CLOISTER_REDIS_URL';

/** Sends PING and resolves true on +PONG. */
function ping(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

export type SpawnRedisOptions = {
  /** redis-server binary (default `redis-server` from the PATH). */
  binary?: string;
  /** How long to wait for PONG, in ms (default 10 s). */
  timeoutMs?: number;
};

export type StartRedisOptions = SpawnRedisOptions & {
  /** Use this server instead of spawning one (default: process.env.CLOISTER_REDIS_URL; '' always spawns). */
  url?: string;
};

/** Spawns `redis-server --save '' --appendonly no` on a free port of 127.0.0.1 and waits for PONG. */
export async function spawnRedis(options: SpawnRedisOptions = {}): Promise<SpawnedRedis> {
  const port = await freePort();
  const proc = spawnManaged(options.binary ?? 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
  ]);
  const spawnError = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    proc.child.once('error', (error) => resolve(error as NodeJS.ErrnoException));
    proc.child.once('spawn', () => resolve(null));
  });
  if (spawnError) {
    await proc.stop();
    if (spawnError.code === 'ENOENT') {
      throw new RedisMissingError(REDIS_INSTALL_HINT, { cause: spawnError });
    }
    throw new RedisFailedError(`redis-server could not start: ${spawnError.message}`, { cause: spawnError });
  }
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (!(await ping(port))) {
    if (proc.exited() || Date.now() > deadline) {
      await proc.stop();
      throw new RedisFailedError(`redis-server did not answer on port ${port}; its output:\n${proc.output()}`, { details: { port } });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    spawned: true,
    pid: proc.child.pid!,
    port,
    stop: () => proc.stop(),
  };
}

/** CLOISTER_REDIS_URL's (or `options.url`'s) server when set, otherwise spawnRedis(). */
export async function startRedis(options: StartRedisOptions = {}): Promise<LocalRedis> {
  const given = options.url ?? process.env.CLOISTER_REDIS_URL;
  if (given) return { url: given, spawned: false, pid: null, stop: async () => undefined };
  return spawnRedis(options);
}
