// A spawned helper process in its own process group, so that stopping it also stops anything it started.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export type ManagedProcess = {
  child: ChildProcess;
  /** The last few KB of its stdout + stderr, for error messages. */
  output(): string;
  exited(): boolean;
  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it exited. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal) when the process ends. */
  exit: Promise<number | string | null>;
};

const living = new Set<ManagedProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Spawns `command` detached (a new process group). If this process exits without stopping it, an exit hook
 * SIGKILLs the group, so no helper outlives the demo or a test run.
 */
export function spawnManaged(command: string, args: string[], options: SpawnOptions = {}): ManagedProcess {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let done = false;
  const exit = new Promise<number | string | null>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      living.delete(managed);
      resolve(code ?? signal);
    });
    child.once('error', () => {
      done = true;
      living.delete(managed);
      resolve(null);
    });
  });
  let stopping: Promise<void> | null = null;
  const managed: ManagedProcess = {
    child,
    output: () => output,
    exited: () => done,
    exit,
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        if (done) return;
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
        await exit;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
  living.add(managed);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const p of living) killGroup(p.child, 'SIGKILL');
    });
  }
  return managed;
}
