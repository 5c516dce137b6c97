import type { NamedTensor } from '../codec/types.js';

/** What a participant sends (before sealing): weight deltas in model order, training example count, local metrics. */
export type UpdatePayload = { deltas: NamedTensor[]; numExamples: number; metrics: Record<string, number> };
