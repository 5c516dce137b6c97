// Helpers the coordinator's benches share: the bare baseline server, process memory from /proc, percentiles.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { typescriptEnvironment, typescriptNodeArguments } from '@cloister/devstack';

export type BareServer = { url: string; child: ChildProcess };

/** Starts the bare Node hashing server (bareServer.ts) in its own process; resolves with its URL once it listens. */
export async function spawnBare(): Promise<BareServer> {
  const child = spawn(process.execPath, [...typescriptNodeArguments(), path.join(__dirname, 'bareServer.ts')], { stdio: ['ignore', 'pipe', 'inherit'], env: typescriptEnvironment() });
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

/** The p-th percentile (nearest rank) of `values`. */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
