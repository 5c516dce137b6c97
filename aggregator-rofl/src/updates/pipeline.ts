// The update-opening pipeline of an aggregation job, in one place:
//
//   fetch (job's thread: download into a slot's buffer)  →  check (opener pool: hash, signature, HPKE open, decode,
//   validate; one update per worker thread at a time)  →  fold (job's thread, strictly in committed order)
//
// Up to `depth` updates are in flight ahead of the fold, each holding one slot (one buffer, reused across updates:
// the download writes the ciphertext into it and the open writes the plaintext over it), so memory is depth × update
// size + what the fold keeps, whatever the number of updates. The fold sees the updates in order 0..count-1, so float sums are deterministic whatever thread finished
// first. Every check performed is counted (`CheckCounts`): the job logs them and the benches print them.
import { countChecks, zeroCounts, type CheckCounts, type CheckParams, type CheckResult, type UpdateToCheck } from './checks';
import { newSlot, type CheckedUpdate, type UpdateChecker, type UpdateSlot } from './openerPool';
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
  /** Each update's answer, strictly in order 0..count-1 (null: nothing was uploaded). An accepted `flat` is valid during the call only. */
  fold: (index: number, result: CheckResult | null) => Promise<void> | void;
};

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
  try {
    while (free.length > 0 && next < count) launch();
    for (let i = 0; i < count; i += 1) {
      const step = await inFlight.shift()!;
      if ('error' in step) throw step.error;
      if (step.checked !== null) countChecks(counts, step.checked.checks);
      await options.fold(i, step.checked?.result ?? null);
      // The download's pieces (and, inline, the open's chunks) are garbage now: keep them to about one update.
      collectYoungGarbage();
      free.push(step.slot);
      if (next < count) launch();
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
  return counts;
}
