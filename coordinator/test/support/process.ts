import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { typescriptEnvironment, typescriptNodeArguments } from '@cloister/devstack';

export type ChildCoordinator = { url: string; child: ChildProcess; output(): string; kill(): Promise<void> };

const ENTRY = path.join(__dirname, 'childCoordinator.ts');

/** Starts the coordinator in a child process (its own process group) and waits for READY. */
export async function spawnCoordinator(config: unknown, timeoutMs = 60_000): Promise<ChildCoordinator> {
  const child = spawn(process.execPath, [...typescriptNodeArguments(), ENTRY, JSON.stringify(config)], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: typescriptEnvironment() });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroup = () => {
    try {
      if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  process.once('exit', killGroup);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child coordinator not ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = /READY (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child coordinator exited (${code}):\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    async kill() {
      process.removeListener('exit', killGroup);
      killGroup(); // SIGKILL: no graceful shutdown, like a crash
      await exited;
    },
  };
}
