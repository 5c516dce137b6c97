// Redis for the local stack: REDIS_URL when set, otherwise a throw-away `redis-server` on a free port
// (no persistence), stopped with the stack.
import { connect } from 'node:net';
import { INFRA_ERROR_CODES, InfraError } from '../errors';
import { spawnManaged } from './childProcess';
import { freePort } from './freePort';

export type LocalRedis = { url: string; spawned: boolean; stop(): Promise<void> };

export const REDIS_INSTALL_HINT = 'redis-server was not found on the PATH: install it (apt-get install -y redis-server) or set REDIS_URL';

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

export type StartRedisOptions = {
  /** Use this server instead of spawning one (default: process.env.REDIS_URL). */
  url?: string;
  /** redis-server binary (default `redis-server` from the PATH). */
  binary?: string;
  timeoutMs?: number;
};

/** Returns REDIS_URL's server, or spawns `redis-server --save '' --appendonly no` on a free port and waits for PONG. */
export async function startRedis(options: StartRedisOptions = {}): Promise<LocalRedis> {
  const given = options.url ?? process.env.REDIS_URL;
  if (given) return { url: given, spawned: false, stop: async () => undefined };
  const port = await freePort();
  const proc = spawnManaged(options.binary ?? 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes',
  ]);
  const spawnError = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    proc.child.once('error', (error) => resolve(error as NodeJS.ErrnoException));
    proc.child.once('spawn', () => resolve(null));
  });
  if (spawnError) {
    await proc.stop();
    if (spawnError.code === 'ENOENT') throw new InfraError(INFRA_ERROR_CODES.redisMissing, REDIS_INSTALL_HINT);
    throw new InfraError(INFRA_ERROR_CODES.redisFailed, `redis-server could not start: ${spawnError.message}`, { cause: spawnError });
  }
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (!(await ping(port))) {
    if (proc.exited() || Date.now() > deadline) {
      await proc.stop();
      throw new InfraError(
        INFRA_ERROR_CODES.redisFailed,
        `redis-server did not answer on port ${port}; its output:\n${proc.output()}`,
        { details: { port } },
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, spawned: true, stop: () => proc.stop() };
}
