// The update-opening pipeline of an aggregation job, in one place:
//
//   fetch (job's thread: download into a slot's buffer)  →  check (opener pool: hash, signature, HPKE open, decode,
//   validate; one update per worker thread at a time)  →  fold (job's thread, strictly in committed order)
//   [→ linear fold (opener pool: accumulator += weight · update, in the same order; see orderedFold.ts)]
//
// Up to `depth` updates are in flight ahead of the fold, each holding one slot (one buffer, reused across updates:
// the download writes the ciphertext into it and the open writes the plaintext over it), so memory is depth × update
// size + what the fold keeps, whatever the number of updates. The fold sees the updates in order 0..count-1, so float
// sums are deterministic whatever thread finished first. When the fold answers with a weight, the sum itself is done
// on the pool (the slot is reused once it is), in the same order: the same bits, with both cores at work.
// Every check performed is counted (`CheckCounts`): the job logs them and the benches print them.
import { countChecks, zeroCounts, type CheckCounts, type CheckParams, type CheckResult, type UpdateToCheck } from './checks';
import { newSlot, type CheckedUpdate, type UpdateChecker, type UpdateSlot } from './openerPool';
import type { FoldTarget } from './orderedFold';
import { collectYoungGarbage } from './youngGarbage';

/** Bytes the in-flight updates may hold, unless a depth is given. */
export const DEFAULT_PIPELINE_MEMORY_BYTES = 32 * 1024 * 1024;
export const MAX_PIPELINE_DEPTH = 16;

/**
 * Updates in flight ahead of the fold: `explicit` when given, else as many as `memoryBytes` holds at 8 bytes per
 * parameter (a 4-byte slot, with room for the garbage one open leaves behind), between 2 and 16. 1M params → 4,
 * 100k → 16, 10M → 2.
 */
export function pipelineDepthFor(modelSize: number, explicit?: number, memoryBytes = DEFAULT_PIPELINE_MEMORY_BYTES): number {
  if (explicit !== undefined) return Math.max(1, Math.floor(explicit));
  return Math.min(MAX_PIPELINE_DEPTH, Math.max(2, Math.floor(memoryBytes / (8 * Math.max(1, modelSize)))));
}

export type UpdatePipelineOptions = {
  count: number;
  depth: number;
  checker: UpdateChecker;
  params: CheckParams;
  /**
   * Downloads update `index`, preferably into `slot.ciphertext` (replace it when a larger buffer was needed); null
   * when there is no upload for it.
   */
  fetch: (index: number, slot: UpdateSlot) => Promise<UpdateToCheck | null>;
  /**
   * Each update's answer, strictly in order 0..count-1 (null: nothing was uploaded). An accepted `flat` is valid during
   * the call only. Returning `{ weight }` for an accepted update asks for `linear` += weight · flat, done by the checker.
   */
  fold: (index: number, result: CheckResult | null) => Promise<LinearFoldRequest | void> | LinearFoldRequest | void;
  /** Where `{ weight }` answers are folded (a LinearFold's target). */
  linear?: FoldTarget;
};

export type LinearFoldRequest = { weight: number };

/**
 * Runs fetch → check → fold over `count` updates (see the file comment). A failure of fetch, check or fold ends the
 * run with that error after the updates still in flight have settled. Returns the checks performed.
 */
export async function runUpdatePipeline(options: UpdatePipelineOptions): Promise<CheckCounts> {
  const { count, checker, params } = options;
  const counts = zeroCounts();
  const free: UpdateSlot[] = Array.from({ length: Math.min(Math.max(1, Math.floor(options.depth)), Math.max(1, count)) }, newSlot);
  type Step = { slot: UpdateSlot; checked: CheckedUpdate | null } | { slot: UpdateSlot; error: unknown };
  const inFlight: Promise<Step>[] = [];
  let next = 0;
  const produce = async (index: number, slot: UpdateSlot): Promise<CheckedUpdate | null> => {
    const update = await options.fetch(index, slot);
    return update === null ? null : checker.check(slot, update, params);
  };
  const launch = () => {
    const slot = free.pop()!;
    const index = next;
    next += 1;
    inFlight.push(
      produce(index, slot).then(
        (checked) => ({ slot: checked?.slot ?? slot, checked }),
        (error: unknown) => ({ slot, error }),
      ),
    );
  };
  // Linear folds in flight on the checker, in rank order; each frees its slot when done.
  const folds: Promise<void>[] = [];
  let rank = 0;
  const release = (slot: UpdateSlot) => {
    free.push(slot);
    while (free.length > 0 && next < count) launch();
  };
  try {
    while (free.length > 0 && next < count) launch();
    for (let i = 0; i < count; i += 1) {
      // Every slot may be out for a fold: the oldest fold frees one (ranks finish in order).
      while (inFlight.length === 0) {
        const oldest = folds.shift();
        if (oldest === undefined) throw new TypeError(`pipeline stalled at update ${i}: no update in flight, no fold to wait for`);
        await oldest;
      }
      const step = await inFlight.shift()!;
      if ('error' in step) throw step.error;
      if (step.checked !== null) countChecks(counts, step.checked.checks);
      const result = step.checked?.result ?? null;
      const request = await options.fold(i, result);
      // The download's pieces (and, inline, the open's chunks) are garbage now: keep them to about one update.
      collectYoungGarbage();
      if (request !== undefined && result !== null && result.ok) {
        if (options.linear === undefined) throw new TypeError('fold asked for a linear fold but the pipeline has no linear target');
        const folding = checker.fold(step.slot, result.flat, options.linear, rank, request.weight).then(release);
        rank += 1;
        folding.catch(() => {}); // awaited below; this only keeps an early failure from being reported as unhandled
        folds.push(folding);
      } else {
        release(step.slot);
      }
    }
    await Promise.all(folds);
  } finally {
    await Promise.allSettled([...inFlight, ...folds]);
  }
  return counts;
}
