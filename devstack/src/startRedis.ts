// Redis for local development: CLOISTER_REDIS_URL's server when set (startRedis), otherwise a `redis-server` on a free port in
// its own process group, stopped with stop() or when this process exits. It persists every write to an append-only
// file in its own temporary folder (appendonly yes), so a Redis killed and restarted mid-round comes back with what it
// had acknowledged: the coordinator answers 200 to an upload only after Redis said OK.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { RedisMissingError, RedisFailedError } from './errors';
import { freePort } from './freePort';
import { spawnManaged } from './managedProcess';
import { setTimeout as sleep } from 'node:timers/promises';

export type LocalRedis = {
  url: string;
  /** False when an existing server (CLOISTER_REDIS_URL) is used. */
  spawned: boolean;
  /** Pid of the spawned redis-server; null when an existing server is used. */
  pid: number | null;
  /** Stops the spawned server (nothing for an existing one); resolves once it exited. Safe to call twice. */
  stop(): Promise<void>;
};

export type SpawnedRedis = LocalRedis & {
  spawned: true;
  /** Pid of the running redis-server (changes on restart). */
  pid: number;
  port: number;
  /** The server's data folder (its append-only file lives here); removed by stop(). */
  directory: string;
  /** SIGKILLs the server (a crash: no shutdown save) and resolves once it exited. The data folder is kept. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data folder (after kill()) and waits for PONG. */
  restart(): Promise<void>;
};

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

/** The arguments of a development redis-server: loopback only, append-only file in `directory`, no RDB snapshots. */
export function redisServerArguments(port: number, directory: string): string[] {
  return [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', directory,
    // Every acknowledged write is in the append-only file before the reply (write(2) before the reply; fsync once a
    // second only matters for a machine crash, not a killed process).
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--save', '',
    '--protected-mode', 'yes',
  ];
}

async function launch(binary: string, port: number, directory: string, timeoutMs: number) {
  const proc = spawnManaged(binary, redisServerArguments(port, directory));
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
  const deadline = Date.now() + timeoutMs;
  while (!(await ping(port))) {
    if (proc.exited() || Date.now() > deadline) {
      await proc.stop();
      throw new RedisFailedError(`redis-server did not answer on port ${port}; its output:\n${proc.output()}`, { details: { port } });
    }
    await sleep(50);
  }
  return proc;
}

/**
 * Spawns `redis-server` on a free port of 127.0.0.1 with an append-only file in a fresh temporary folder and waits
 * for PONG. `stop()` ends it and removes the folder; `kill()` + `restart()` simulate a crash and a restart on its data.
 */
export async function spawnRedis(options: SpawnRedisOptions = {}): Promise<SpawnedRedis> {
  const port = await freePort();
  const binary = options.binary ?? 'redis-server';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const directory = mkdtempSync(path.join(os.tmpdir(), 'cloister-redis-'));
  let proc: Awaited<ReturnType<typeof launch>>;
  try {
    proc = await launch(binary, port, directory, timeoutMs);
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  const redis: SpawnedRedis = {
    url: `redis://127.0.0.1:${port}`,
    spawned: true,
    pid: proc.child.pid!,
    port,
    directory,
    async stop() {
      await proc.stop();
      rmSync(directory, { recursive: true, force: true });
    },
    async kill() {
      if (proc.exited()) return;
      try {
        process.kill(-proc.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await proc.exit;
    },
    async restart() {
      if (!proc.exited()) throw new RedisFailedError(`redis-server on port ${port} is still running: kill() it first`);
      proc = await launch(binary, port, directory, timeoutMs);
      redis.pid = proc.child.pid!;
    },
  };
  return redis;
}

/** CLOISTER_REDIS_URL's (or `options.url`'s) server when set, otherwise spawnRedis(). */
export async function startRedis(options: StartRedisOptions = {}): Promise<LocalRedis> {
  const given = options.url ?? process.env.CLOISTER_REDIS_URL;
  if (given) return { url: given, spawned: false, pid: null, stop: async () => undefined };
  return spawnRedis(options);
}
