// What the round benches (round, large round) share: their common options, megabytes for the tables, and merging
// their entries into bench/latest.json ([{ name, value, unit, baseline, ratio }]; entries of other benches are kept).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';

export type Entry = { name: string; value: number; unit: string; baseline: number | null; ratio: number | null };

/** A commander parser for an integer option in min..max. */
export function int(name: string, min: number, max: number) {
  return (raw: string): number => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max) throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}`);
    return v;
  };
}

export type RoundBenchOptions = { clients: number; params: number; concurrency?: number; sealThreads?: number; seed: number; out: string; logLevel: string };

/** Participants in flight when --concurrency is not given and the bench's default is 'all': every one, at most 64. */
export const ALL_AT_ONCE_LIMIT = 64;
export const concurrencyOf = (o: RoundBenchOptions): number => o.concurrency ?? Math.min(o.clients, ALL_AT_ONCE_LIMIT);

/**
 * A round bench's command line with the options every round bench takes, at this bench's defaults. Concurrency 'all':
 * every participant at once (at most 64), as Flower's bench runs all its clients at the same time.
 */
export function roundBenchProgram(name: string, description: string, defaults: { clients: number; params: number; concurrency: number | 'all' }): Command {
  const concurrency = new Option('--concurrency <c>', defaults.concurrency === 'all' ? `participants in flight at once (default: all of them, at most ${ALL_AT_ONCE_LIMIT})` : 'participants in flight at once').argParser(int('--concurrency', 1, 1024));
  return new Command()
    .name(name)
    .description(description)
    .option('--clients <n>', 'participants', int('--clients', 1, 100_000), defaults.clients)
    .option('--params <p>', 'float32 parameters per update', int('--params', 1, 100_000_000), defaults.params)
    .addOption(defaults.concurrency === 'all' ? concurrency : concurrency.default(defaults.concurrency))
    .option('--seal-threads <n>', 'worker threads sealing the participants\' updates (default one per core; 0 = the main thread)', int('--seal-threads', 0, 64))
    .option('--seed <s>', 'seed of keys and updates', int('--seed', 0, 2 ** 31), 1)
    .option('--out <file>', 'benchmark file to merge entries into', join(__dirname, 'latest.json'))
    .option('--log-level <level>', 'log level of the simulation (services log at warn)', 'warn');
}

/**
 * What a page of memory the process has never touched costs on this machine, against touching it again: 64 MiB
 * allocated (mapped, not yet backed), written once, then written again. On a VM that hands freed memory back to its
 * host (free page reporting) the first write faults every 4 KiB page in from the host: ≈ 14 µs a page here, against
 * ≈ 0.1 µs for the second write. Allocators that return freed memory to the system pay it again and again; glibc does
 * unless told to keep it (GLIBC_TUNABLES, see the README). Printed with the round figures because it moves both sides.
 * Taken when the bench starts: memory another process freed moments before is still in the guest and reads as cheap.
 */
export function freshPageCost(): { firstTouchMicroseconds: number; retouchMicroseconds: number } {
  const bytes = 64 * 1024 * 1024;
  const pages = bytes / 4096;
  const memory = Buffer.alloc(bytes);
  const timed = (value: number) => {
    const started = process.hrtime.bigint();
    memory.fill(value);
    return Number(process.hrtime.bigint() - started) / 1e3 / pages;
  };
  return { firstTouchMicroseconds: timed(1), retouchMicroseconds: timed(2) };
}

/**
 * glibc settings under which malloc keeps the memory it frees (no heap trim below 256 MiB, no `mmap` below 32 MiB), so
 * a process does not pay `freshPageCost` again for every large buffer. Flower's round is ≈ 3× faster with them here.
 */
export const MEMORY_KEPT_TUNABLES = 'glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432';

/** The allocator settings this process (and the peer it starts) runs with, for the bench's output. */
export const allocatorSettings = (): string => (process.env.GLIBC_TUNABLES ? `GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES}` : 'glibc defaults');

/** Bytes as whole megabytes, or n/a where a process could not be measured. */
export const mb = (b: number | null): string => (b === null ? 'n/a' : `${(b / 1e6).toFixed(0)} MB`);

/** Writes `fresh` into the file at `out`, replacing the entries of the same names and keeping the others. */
export function mergeEntries(out: string, fresh: Entry[]): void {
  const names = new Set(fresh.map((e) => e.name));
  const kept: Entry[] = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Entry[]).filter((e) => !names.has(e.name)) : [];
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify([...kept, ...fresh], null, 2) + '\n');
  console.log(`wrote ${fresh.length} entries to ${out}`);
}
