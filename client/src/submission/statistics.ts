// The statistics task kind on the participant's side, and the training tasks that take their scaling from one.
//  - A statistics round's update has no deltas: its metrics carry the training split's count and per-feature sum and
//    sum of squares in float64 (protocol's featureSums); it is sealed, committed and uploaded like any update.
//  - A training spec that references a statistics result (`statistics.resultHash`) gets its scaling from that
//    document, downloaded and checked against the hash (the spec's hash on chain covers the reference).
import {
  featureSums,
  featureSumsToMetrics,
  type StatisticsDocument,
  type TaskSpec,
  type UpdatePayload,
} from '@cloister/protocol';
import { ModelSpecInvalidError } from '../errors';
import type { LocalDataset } from '@cloister/model-runtime';
import type { CoordinatorClient } from './coordinatorClient';
import { fetchVerified } from './globalModel';

/** The update of a statistics round: no deltas, the training split's sums as float64 metrics. */
export function statisticsUpdate(dataset: LocalDataset): UpdatePayload {
  const train = dataset.train;
  const width = train.featureShape.reduce((a, b) => a * b, 1);
  return { deltas: [], numExamples: train.count, metrics: featureSumsToMetrics(featureSums(train.features, train.count, width)) };
}

/** The spec with `data.scaling` filled from its statistics result (unchanged when it has a scaling or is not training). */
export async function resolveStatisticsScaling(coordinator: CoordinatorClient, spec: TaskSpec): Promise<TaskSpec> {
  if (spec.kind !== 'training' || spec.data.scaling !== undefined || spec.statistics === undefined) return spec;
  const hash = spec.statistics.resultHash;
  const bytes = await fetchVerified(coordinator, hash, 'statistics result');
  let document: StatisticsDocument;
  try {
    document = JSON.parse(new TextDecoder().decode(bytes)) as StatisticsDocument;
  } catch (cause) {
    throw new ModelSpecInvalidError(`The statistics result ${hash} the task refers to is not JSON.`, { details: { hash }, cause });
  }
  const expected = spec.data.features.join(',');
  if (document.kind !== 'statistics' || !Array.isArray(document.features) || document.features.join(',') !== expected) {
    throw new ModelSpecInvalidError(`The statistics result ${hash} does not cover this task's features (${expected}); governance approved a mismatched task: report it.`, { details: { hash } });
  }
  return { ...spec, data: { ...spec.data, scaling: { mean: document.mean, std: document.std } } };
}
