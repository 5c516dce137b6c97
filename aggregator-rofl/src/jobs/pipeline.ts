import { newSlot, type ProcessedUpdate, type UpdateSlot } from './updateProcessor';

/**
 * Runs `produce` (download + check/open, possibly in the open worker) for up to `depth` items ahead of `consume`
 * (the fold), which sees the items strictly in order 0..count-1. Each in-flight item holds one slot of buffers; a
 * slot comes back to the free list once its item is consumed, so memory is depth × slot + what `consume` keeps.
 * A failure of `produce` or `consume` ends the run with that error, after the items still in flight have settled.
 */
export async function runPipelined(
  count: number,
  depth: number,
  produce: (index: number, slot: UpdateSlot) => Promise<ProcessedUpdate | null>,
  consume: (index: number, processed: ProcessedUpdate | null) => Promise<void> | void,
): Promise<void> {
  const free: UpdateSlot[] = Array.from({ length: Math.min(Math.max(1, Math.floor(depth)), Math.max(1, count)) }, newSlot);
  type Step = { slot: UpdateSlot; processed: ProcessedUpdate | null } | { slot: UpdateSlot; error: unknown };
  const inFlight: Promise<Step>[] = [];
  let next = 0;
  const launch = () => {
    const slot = free.pop()!;
    const index = next;
    next += 1;
    inFlight.push(
      produce(index, slot).then(
        (processed) => ({ slot: processed?.slot ?? slot, processed }),
        (error: unknown) => ({ slot, error }),
      ),
    );
  };
  try {
    while (free.length > 0 && next < count) launch();
    for (let i = 0; i < count; i += 1) {
      const step = await inFlight.shift()!;
      if ('error' in step) throw step.error;
      await consume(i, step.processed);
      free.push(step.slot);
      if (next < count) launch();
    }
  } finally {
    await Promise.allSettled(inFlight);
  }
}
