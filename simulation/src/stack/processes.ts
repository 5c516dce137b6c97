// Process facts from /proc (Linux): which process listens on a TCP port, and a process's peak resident set
// (VmHWM, the high-water mark the kernel keeps). Used to report the memory of the spawned redis and hardhat node.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** Peak resident set size of `pid` in bytes (`/proc/<pid>/status` VmHWM), or null when unreadable. */
export function peakRssBytes(pid: number | 'self'): number | null {
  return statusField(pid, 'VmHWM');
}

/** Current resident set size of `pid` in bytes (VmRSS), or null when unreadable. */
export function rssBytes(pid: number | 'self'): number | null {
  return statusField(pid, 'VmRSS');
}

function statusField(pid: number | 'self', field: string): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** The pid of the process that listens on 127.0.0.1:`port` (TCP), or null (not Linux, not found, no access). */
export function pidListeningOn(port: number): number | null {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const localPort = parseInt(cols[1]!.split(':')[1] ?? '', 16);
      if (localPort === port && cols[3] === '0A') inodes.add(cols[9]!);
    }
  }
  if (inodes.size === 0) return null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(entry);
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  return null;
}
