// Test support: runs a TypeScript test process (from the sources, under tsx: ./typescriptProcess.ts), waits for its first JSON line
// on stdout, sends it a signal and reports how it ended. Used by the "a signal leaves nothing behind" tests.
import { spawn } from 'node:child_process';
import { typescriptEnvironment, typescriptNodeArguments } from './typescriptProcess';

export type SignalledRun<T> = { ready: T; exitCode: number | null; signal: NodeJS.Signals | null; stderr: string };

export type SignalOptions<T> = { timeoutMs?: number; /** Runs after the ready line, before the signal (record pids). */ onReady?: (ready: T) => void | Promise<void> };

/** Starts `script`, waits (≤ `timeoutMs`) for its first stdout line (JSON), sends `signal`, waits for its exit. */
export async function runUntilReadyThenSignal<T>(script: string, signal: NodeJS.Signals, options: SignalOptions<T> = {}): Promise<SignalledRun<T>> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const child = spawn(process.execPath, [...typescriptNodeArguments(), script], { stdio: ['ignore', 'pipe', 'pipe'], env: typescriptEnvironment() });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-8000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, sig) => done({ code, signal: sig })));
  const ready = await new Promise<T>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${script} printed no ready line within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        done(JSON.parse(stdout.slice(0, newline)) as T);
      }
    });
    void exited.then(({ code }) => fail(new Error(`${script} exited (${code}) before it was ready; stderr:\n${stderr}`)));
  });
  await options.onReady?.(ready);
  child.kill(signal);
  const end = await exited;
  return { ready, exitCode: end.code, signal: end.signal, stderr };
}

/** True while a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
