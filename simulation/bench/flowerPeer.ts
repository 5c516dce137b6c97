// Flower, the peer of the round benchmark, measured in the same run: `../shared/peers/flower/bench_rounds.py`
// (Flower v1.6.0's own server and N client processes over gRPC on loopback, FedAvg, plaintext, no chain), run with
// Debian's Python after our rounds, with the same N, P and R. Its round time is Flower's `round_s` (end of
// configure_fit → end of aggregate_fit: from the round's start to the new model), the median of rounds 2..R, as ours.
// When the peer folder or its Python packages are missing, the figure the performance issue measured in another
// sitting is returned instead, labelled as such: never a figure that passes for current.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The peer folder (`../shared/peers/flower` beside the repository) and the Python that runs its scripts. */
export const FLOWER_DIR = resolve(__dirname, '..', '..', '..', 'shared', 'peers', 'flower');
export const PYTHON = process.env.CLOISTER_BENCH_PYTHON ?? '/usr/bin/python3';

/**
 * Flower v1.6.0 on this machine kind in another sitting (performance issue, 2026-12-01; 1M float32 parameters):
 * N=10 median of rounds 2..8, N=50 median of rounds 2..12. Printed only when Flower cannot run here, and labelled so.
 */
export const FLOWER_OTHER_SITTING: Record<string, { seconds: number; when: string }> = {
  '10:1000000': { seconds: 0.233, when: '2026-12-01, another sitting' },
  '50:1000000': { seconds: 1.44, when: '2026-12-01, another sitting' },
};

export type PeerFigure =
  | { kind: 'same-sitting'; seconds: number; rounds: number[] }
  | { kind: 'other-sitting'; seconds: number; when: string; why: string }
  | { kind: 'none'; why: string };

type FlowerRow = { round: number; round_s: number; n_results: number | null; n_failures: number | null };

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median of rounds 2..R (all rounds when there are two or fewer), as bench_rounds.py and our table take it. */
export function medianOfRounds2toR(values: readonly number[]): number {
  return median(values.length > 2 ? values.slice(1) : values);
}

function run(file: string, args: string[], options: { cwd: string; timeoutMs: number; environment?: NodeJS.ProcessEnv }): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { cwd: options.cwd, env: options.environment, timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGTERM' }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolvePromise({ stdout, stderr });
    });
  });
}

/** Why Flower cannot run here (null when it can): peer folder, Python, and the Debian packages its README lists. */
export async function flowerUnavailable(dir = FLOWER_DIR, python = PYTHON): Promise<string | null> {
  if (!existsSync(join(dir, 'bench_rounds.py'))) return `no peer folder at ${dir}`;
  if (!existsSync(python)) return `no ${python}`;
  try {
    await run(python, ['-c', 'import numpy, grpc, google.protobuf'], { cwd: dir, timeoutMs: 60_000 });
    return null;
  } catch (error) {
    return `Flower's Python packages are missing (${(error as { stderr?: string }).stderr?.trim().split('\n').pop() ?? 'import failed'}); see ${join(dir, 'README.md')}`;
  }
}

/**
 * Runs Flower's round benchmark for N participants × P parameters, R rounds; the median of rounds 2..R. `environment`:
 * the Python processes' environment (default this process's).
 */
export async function measureFlowerRounds(options: { clients: number; params: number; rounds: number; timeoutMs?: number; dir?: string; python?: string; environment?: NodeJS.ProcessEnv }): Promise<PeerFigure> {
  const peerDir = options.dir ?? FLOWER_DIR;
  const python = options.python ?? PYTHON;
  const key = `${options.clients}:${options.params}`;
  const fallback = (why: string): PeerFigure => {
    const other = FLOWER_OTHER_SITTING[key];
    return other === undefined ? { kind: 'none', why } : { kind: 'other-sitting', seconds: other.seconds, when: other.when, why };
  };
  const unavailable = await flowerUnavailable(peerDir, python);
  if (unavailable !== null) return fallback(unavailable);
  const dir = mkdtempSync(join(tmpdir(), 'cloister-flower-'));
  try {
    const json = join(dir, 'rounds.json');
    const args = ['bench_rounds.py', '--n', String(options.clients), '--p', String(options.params), '--rounds', String(options.rounds), '--json', json, '--logdir', dir];
    try {
      await run(python, args, { cwd: peerDir, timeoutMs: options.timeoutMs ?? 20 * 60_000, environment: options.environment });
    } catch (error) {
      const e = error as { message?: string; stderr?: string };
      return fallback(`Flower's bench_rounds.py failed: ${(e.stderr ?? '').trim().split('\n').pop() || e.message}`);
    }
    const cases = JSON.parse(readFileSync(json, 'utf8')) as { n: number; p: number; rows: FlowerRow[] }[];
    const rows = cases[0]?.rows ?? [];
    if (rows.length === 0 || rows.some((r) => r.n_results !== options.clients || (r.n_failures ?? 0) > 0)) {
      return fallback(`Flower's run did not complete every round with all ${options.clients} clients`);
    }
    const seconds = rows.map((r) => r.round_s);
    return { kind: 'same-sitting', seconds: medianOfRounds2toR(seconds), rounds: seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
