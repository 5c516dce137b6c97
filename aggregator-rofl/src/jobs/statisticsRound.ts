// The statistics task kind inside the TEE: every included participant's update carries, as float64 metrics, its
// training split's count and per-feature sum and sum of squares; they are checked, added, and only the totals' mean
// and standard deviation leave the TEE (the result document, whose hash is finalized as the round's model hash).
// The per-site counts stay in the aggregator's state store for later rounds (example-count bounds).
import { combineFeatureSums, featureSumsFromMetrics, statisticsDocument, type FeatureSums, type StatisticsDocument } from '@cloister/protocol';
import type { StateStore } from '../state/stateStore';
import { REASON, type Exclusion } from '../strategies/types';

export type StatisticsInput = { participant: string; numExamples: number; metrics: Record<string, number> };

export type StatisticsOutcome = {
  document: StatisticsDocument;
  included: string[];
  excluded: Exclusion[];
  perSiteCounts: Record<string, number>;
};

/** Checks each participant's sums (a malformed or inconsistent one is excluded) and combines the rest. */
export function combineStatistics(features: string[], inputs: readonly StatisticsInput[]): StatisticsOutcome {
  const width = features.length;
  const parts: FeatureSums[] = [];
  const included: string[] = [];
  const excluded: Exclusion[] = [];
  const perSiteCounts: Record<string, number> = {};
  for (const input of inputs) {
    let sums: FeatureSums;
    try {
      sums = featureSumsFromMetrics(input.metrics, width);
    } catch (error) {
      excluded.push({ participant: input.participant, reason: REASON.MalformedUpdate, detail: (error as Error).message });
      continue;
    }
    if (sums.count !== input.numExamples) {
      excluded.push({ participant: input.participant, reason: REASON.MalformedUpdate, detail: `statistics count ${sums.count} differs from numExamples ${input.numExamples}` });
      continue;
    }
    parts.push(sums);
    included.push(input.participant);
    perSiteCounts[input.participant] = sums.count;
  }
  return { document: statisticsDocument(features, combineFeatureSums(parts, width), included.length), included, excluded, perSiteCounts };
}

/** State-store key of a statistics task's per-site counts (read by later rounds inside the TEE, never published). */
export function statisticsCountsKey(taskId: bigint): string {
  return `statistics-counts/${taskId}`;
}

export async function saveStatisticsCounts(store: StateStore, taskId: bigint, counts: Record<string, number>): Promise<void> {
  await store.put(statisticsCountsKey(taskId), new TextEncoder().encode(JSON.stringify(counts)));
}

export async function loadStatisticsCounts(store: StateStore, taskId: bigint): Promise<Record<string, number> | null> {
  const bytes = await store.get(statisticsCountsKey(taskId));
  return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as Record<string, number>) : null;
}

