// Detached service processes of the development network: each in its own process group, its output appended to a
// log file, its pid recorded in one processes file under the network folder, so that `network down` (another
// process, possibly hours later) can stop them.
import { spawn } from 'node:child_process';
import { processAlive } from '@cloister/devstack';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { NetworkStartFailedError, NetworkStateInvalidError } from '../errors';
import { setTimeout as sleep } from 'node:timers/promises';

export type ServiceName = 'redis' | 'chain' | 'appd' | 'coordinator' | 'aggregator';
export const SERVICES: readonly ServiceName[] = ['redis', 'chain', 'appd', 'coordinator', 'aggregator'];

export type ServiceRecord = { service: ServiceName; pid: number; log: string; command: string; startedAt: string };

export type ProcessesFile = {
  version: 1;
  /** Folder the network lives in (removed by `down`). */
  dir: string;
  /** Pid of the `network up` process while it is still starting services. */
  upPid: number;
  services: ServiceRecord[];
};

export function readProcesses(path: string): ProcessesFile | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ProcessesFile;
  } catch (cause) {
    throw new NetworkStateInvalidError(`${path} is not a processes file: ${(cause as Error).message}; remove the network folder by hand`, { cause });
  }
}

export function writeProcesses(path: string, file: ProcessesFile): void {
  writeFileSync(path, JSON.stringify(file, null, 2) + '\n');
}

/** True while a process with this pid exists (devstack's check, under the name the network modules use). */
export const isAlive = processAlive;

/** Starts `command` detached in a new process group, stdout and stderr appended to `logFile`; returns its pid. */
export function spawnService(command: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv; logFile: string }): number {
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new NetworkStartFailedError(`${command} could not be started (is it on the PATH?)`);
    child.on('error', () => undefined); // reported through the readiness checks and the log
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone
    }
  }
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the leader is gone. */
export async function stopProcessGroup(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const killAt = Date.now() + graceMs;
  let killed = false;
  while (isAlive(pid) || groupAlive(pid)) {
    if (!killed && Date.now() > killAt) {
      signalGroup(pid, 'SIGKILL');
      killed = true;
    }
    if (Date.now() > killAt + 10_000) break;
    await sleep(100);
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
