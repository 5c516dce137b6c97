import { featureSumsFromMetrics, sha256Hex, statisticsDocument, featureSums, type TaskSpec } from '@cloister/protocol';
import { GlobalModelHashMismatchError, ModelSpecInvalidError } from '../errors';
import type { CoordinatorClient } from './coordinatorClient';
import { resolveStatisticsScaling, statisticsUpdate } from './statistics';

const examples = (rows: number[][]) => ({ features: Float32Array.from(rows.flat()), featureShape: [rows[0]!.length], labels: new Float32Array(rows.length), labelShape: [], count: rows.length });

describe('statistics on the participant side', () => {
  it('a statistics update carries the training split sums in float64 and no deltas', () => {
    const update = statisticsUpdate({ train: examples([[1, 2], [3, 4], [5, 6]]), test: examples([[100, 100]]) } as never);
    expect(update.deltas).toEqual([]);
    expect(update.numExamples).toBe(3);
    expect(featureSumsFromMetrics(update.metrics, 2)).toEqual({ count: 3, sum: [9, 12], sumOfSquares: [35, 56] });
  });

  const training = (extra: Record<string, unknown>) =>
    ({ version: 2, kind: 'training', name: 't', data: { features: ['a', 'b'] }, ...extra }) as unknown as TaskSpec;
  const doc = statisticsDocument(['a', 'b'], featureSums([1, 10, 3, 30], 2, 2), 2);
  const bytes = new TextEncoder().encode(JSON.stringify(doc));
  const coordinator = { baseUrl: 'http://coordinator', getBlob: async () => bytes } as unknown as CoordinatorClient;

  it('a training spec that refers to a statistics result gets its scaling from the verified document', async () => {
    const resolved = await resolveStatisticsScaling(coordinator, training({ statistics: { resultHash: sha256Hex(bytes) } }));
    expect(resolved.kind === 'training' && resolved.data.scaling).toEqual({ mean: [2, 20], std: [1, 10] });
  });

  it('refuses a document that does not match its hash or the features', async () => {
    await expect(resolveStatisticsScaling(coordinator, training({ statistics: { resultHash: `0x${'ab'.repeat(32)}` } }))).rejects.toThrow(GlobalModelHashMismatchError);
    const other = { ...training({ statistics: { resultHash: sha256Hex(bytes) } }), data: { features: ['a', 'c'] } } as unknown as TaskSpec;
    await expect(resolveStatisticsScaling(coordinator, other)).rejects.toThrow(ModelSpecInvalidError);
  });

  it('leaves a spec with its own scaling alone', async () => {
    const fixed = training({ data: { features: ['a'], scaling: { mean: [0], std: [1] } } });
    expect(await resolveStatisticsScaling(coordinator, fixed)).toBe(fixed);
  });
});
