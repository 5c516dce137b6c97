// Helpers the coordinator's benches share: the bare baseline server, process memory from /proc, percentiles.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { typescriptEnvironment, typescriptNodeArguments } from '@cloister/devstack';

export type BareServer = { url: string; child: ChildProcess };

/**
 * Starts the bare Node hashing server (bareServer.ts) in its own process; resolves with its URL once it listens. With
 * `storeDirectory` it also stores each body in a file there, as the coordinator's filesystem store does.
 */
export async function spawnBare(storeDirectory?: string): Promise<BareServer> {
  const args = [...typescriptNodeArguments(), path.join(__dirname, 'bareServer.ts'), ...(storeDirectory === undefined ? [] : ['--store', storeDirectory])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: typescriptEnvironment() });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
  });
  return { url, child };
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Resident set size of a process now, in bytes. */
export const rssOf = (pid: number): number => statusField(pid, 'VmRSS');

/** Peak resident set size of a process so far (VmHWM), in bytes. */
export const peakRss = (pid: number): number => statusField(pid, 'VmHWM');

/** CPU time a process has used so far (user + system, all its threads), in milliseconds (Linux clock ticks of 10 ms). */
export function cpuMillisecondsOf(pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
