// The example-count bound (task spec `exampleCountBound`), checked inside the TEE: an update's `numExamples` is only
// the participant's word, and FedAvg weights and example-based scores follow it, so it is held to the count the
// participant declared and governance approved with the spec (source `declared`: `declared[address]`), and either
// excluded (ExampleCountExceeded) or clamped to it, as the spec says. The bound is only as honest as that declaration
// (or, with source `statistics`, the statistics round's self-reported counts): it stops inflation after the fact, not
// a participant that declared too much in the first place.
import type { ResolvedTrainingTaskSpec } from '@cloister/protocol';
import { getAddress } from 'ethers';
import { TaskSpecInvalidError } from '../errors';
import { REASON, type ExclusionReason } from '../strategies/types';

export type ExampleCountCheck =
  | { ok: true; numExamples: number; clamped: boolean }
  | { ok: false; reason: ExclusionReason; detail: string };

export type ExampleCountBounds = { bounds: Map<string, number>; onExceed: 'exclude' | 'clamp' } | null;

/** The spec's bounds by checksummed address (null: the spec sets none). */
export function exampleCountBounds(spec: Pick<ResolvedTrainingTaskSpec, 'exampleCountBound'>): ExampleCountBounds {
  const section = spec.exampleCountBound;
  if (section === undefined) return null;
  if (section.source !== 'declared' || section.declared === undefined) {
    throw new TaskSpecInvalidError(
      `exampleCountBound.source "${section.source}" needs the statistics round's counts, which this aggregator does not read yet: declare the counts (source "declared", declared: {address: count})`,
      { details: { source: section.source } },
    );
  }
  const bounds = new Map<string, number>();
  for (const [address, count] of Object.entries(section.declared)) bounds.set(getAddress(address), count);
  return { bounds, onExceed: section.onExceed };
}

/** Holds `numExamples` to the participant's bound; a participant with no declared count has a bound of 0. */
export function checkExampleCount(participant: string, numExamples: number, bounds: ExampleCountBounds): ExampleCountCheck {
  if (bounds === null) return { ok: true, numExamples, clamped: false };
  const bound = bounds.bounds.get(getAddress(participant)) ?? 0;
  if (numExamples <= bound) return { ok: true, numExamples, clamped: false };
  if (bounds.onExceed === 'clamp' && bound > 0) return { ok: true, numExamples: bound, clamped: true };
  return {
    ok: false,
    reason: REASON.ExampleCountExceeded,
    detail: bound === 0 ? 'no declared example count for this participant' : `claims ${numExamples} examples, the declared bound is ${bound}`,
  };
}
