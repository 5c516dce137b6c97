// A weighted sum Σ wᵣ·Δᵣ folded by several threads into one float64 accumulator, in a fixed order whatever thread
// folds which update: the result is bit for bit the one a single thread folding r = 0, 1, 2, … would give.
//
// The accumulator and one ticket per stripe (a range of coordinates) live in SharedArrayBuffers. The update of fold
// rank r adds itself to stripe s only once tickets[s] = r (every earlier rank is in that stripe), then sets r + 1.
// Two threads folding ranks r and r + 1 therefore run one stripe apart, and memory stays one accumulator whatever the
// number of threads (partial sums per thread would cost one accumulator each and change the float result with the
// thread count). Ranks are handed out by one thread in order; a rank is only ever waited for after it was handed out,
// so the lowest unfinished rank can always proceed.
import { OpenWorkerFailedError } from '../errors';
import { foldWeighted } from '../strategies/math';

/** Coordinates per stripe: 32 768 float64 = 256 KiB, a core's L2 share; a 1M-parameter model has 31 stripes. */
export const FOLD_STRIPE = 32_768;
/** How long a waiting thread sleeps before it looks at the abort word again. */
const WAIT_SLICE_MS = 1_000;

/** Where folds land: shareable with worker threads through postMessage (the memory is shared, not copied). */
export type FoldTarget = {
  /** Σ wᵣ·Δᵣ, float64, over a SharedArrayBuffer. */
  accumulator: Float64Array;
  /** tickets[s] = the ranks folded into stripe s so far; the last word is the abort flag (non-zero: stop waiting). */
  tickets: Int32Array;
};

export function createFoldTarget(size: number): FoldTarget {
  const stripes = Math.max(1, Math.ceil(size / FOLD_STRIPE));
  return {
    accumulator: new Float64Array(new SharedArrayBuffer(size * Float64Array.BYTES_PER_ELEMENT)),
    tickets: new Int32Array(new SharedArrayBuffer((stripes + 1) * Int32Array.BYTES_PER_ELEMENT)),
  };
}

/**
 * Stops every thread waiting in `foldInOrder` on this target (each throws): a fold failed, the job ends. The worker
 * calls it for any fold that throws.
 */
export function abortFolds(target: FoldTarget): void {
  const flag = target.tickets.length - 1;
  Atomics.store(target.tickets, flag, 1);
  for (let s = 0; s < target.tickets.length; s += 1) Atomics.notify(target.tickets, s);
}

/**
 * accumulator += weight · update for fold rank `rank`, stripe by stripe, each stripe after rank − 1 left it. Blocks
 * the calling thread while an earlier rank is still in a stripe (worker threads; on the main thread only call it when
 * every earlier rank is done, as the inline checker does).
 */
export function foldInOrder(target: FoldTarget, rank: number, update: Float32Array, weight: number): void {
  const { accumulator, tickets } = target;
  if (update.length !== accumulator.length) {
    throw new OpenWorkerFailedError(`fold of ${update.length} values into an accumulator of ${accumulator.length}`);
  }
  const flag = tickets.length - 1;
  for (let s = 0; s < flag; s += 1) {
    for (let seen = Atomics.load(tickets, s); seen !== rank; seen = Atomics.load(tickets, s)) {
      if (Atomics.load(tickets, flag) !== 0) throw new OpenWorkerFailedError(`fold of rank ${rank} aborted: an earlier fold failed`);
      if (seen > rank) throw new OpenWorkerFailedError(`fold rank ${rank} handed out twice`);
      Atomics.wait(tickets, s, seen, WAIT_SLICE_MS);
    }
    // The single-thread fold's own loop over this stripe: the same additions in the same order per coordinate.
    foldWeighted(accumulator, update, weight, s * FOLD_STRIPE, Math.min(accumulator.length, (s + 1) * FOLD_STRIPE));
    Atomics.store(tickets, s, rank + 1);
    Atomics.notify(tickets, s);
  }
}
