// A scavenge (V8's young-generation GC) after each update. Opening an update leaves its decrypted chunks behind as
// garbage (node:crypto returns a new 1 MiB Buffer per chunk; Node 20 has no decrypt-into-a-buffer API), and V8 only
// collects young ArrayBuffers after ≈ 64 MB of them per isolate: with a pool of threads that was > 100 MB of RSS for
// 1M-parameter updates. A scavenge right after an update is cheap (the young generation holds little else; measured:
// no difference in time over 400 opens of 4 MB, peak 49.5 → 18 MB) and keeps the garbage to about one update.
// `gc` is not exposed without --expose-gc, so the flag is set at run time and the function taken from a fresh
// context (what jest's leak detector does); when that fails the collection is simply left to V8.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options?: { type?: 'minor' | 'major' }) => void;

let gc: Gc | null | undefined;

function scavenger(): Gc | null {
  if (gc !== undefined) return gc;
  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('typeof gc === "function" ? gc : null');
    gc = typeof found === 'function' ? (found as Gc) : null;
  } catch {
    gc = null;
  }
  return gc;
}

/** Collects the young generation now (the garbage one update left), when the runtime allows it. */
export function collectYoungGarbage(): void {
  scavenger()?.({ type: 'minor' });
}
