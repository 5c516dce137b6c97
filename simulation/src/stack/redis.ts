// A throw-away redis-server for the simulation: free port, no persistence, its own process group (stopped with it).
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { RedisFailedError } from '../errors';

export type SimulationRedis = { url: string; pid: number; stop(): Promise<void> };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
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

/** Spawns `redis-server --save '' --appendonly no` on a free port and waits for PONG. */
export async function startRedis(options: { binary?: string; timeoutMs?: number } = {}): Promise<SimulationRedis> {
  const port = await freePort();
  const child = spawn(
    options.binary ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-2000)));
  child.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async () => {
    if (gone || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
  };
  const spawnError = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    child.once('error', (e) => resolve(e as NodeJS.ErrnoException));
    child.once('spawn', () => resolve(null));
  });
  if (spawnError) {
    throw new RedisFailedError(
      spawnError.code === 'ENOENT'
        ? 'redis-server was not found on the PATH: install it (apt-get install -y redis-server)'
        : `redis-server could not start: ${spawnError.message}`,
      { cause: spawnError },
    );
  }
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (!(await ping(port))) {
    if (gone || Date.now() > deadline) {
      await stop();
      throw new RedisFailedError(`redis-server did not answer on port ${port}; its output:\n${output}`, { details: { port } });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, pid: child.pid!, stop };
}
