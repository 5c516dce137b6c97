import { layoutOf } from '../model/layout';
import { MemoryStateStore } from '../state/stateStore';
import { FLTrust } from './fltrust';
import type { RoundContext } from './types';

const layout = layoutOf([{ name: 'w', shape: [4], data: new Float32Array(4) }]);
const reference = Float32Array.from([1, 1, 0, 0]);

function context(withValidation = true): RoundContext {
  const validation = {
    referenceUpdate: async () => reference,
    utility: async () => [0],
    evaluate: async () => ({ loss: 0, metrics: {} }),
    examples: 1,
    evaluations: 0,
    dispose: () => undefined,
  };
  return { taskId: 1n, round: 1n, layout, stateStore: new MemoryStateStore(), ...(withValidation ? { validation } : {}) };
}

describe('FLTrust', () => {
  it('weights by ReLU(cos) with the reference and rescales each update to the reference norm', async () => {
    const s = new FLTrust();
    await s.initialize(context());
    const agg = s.beginAggregation(layout);
    agg.add({ participant: 'honest', numExamples: 10, update: Float32Array.from([2, 2, 0, 0]), metrics: {} });
    agg.add({ participant: 'flipped', numExamples: 10, update: Float32Array.from([-2, -2, 0, 0]), metrics: {} });
    agg.add({ participant: 'scaled', numExamples: 10_000, update: Float32Array.from([20, 20, 0, 0]), metrics: {} });
    agg.add({ participant: 'orthogonal', numExamples: 10, update: Float32Array.from([0, 0, 3, 0]), metrics: {} });
    const r = agg.finish();
    // honest and scaled both become the reference itself (norm √2) with trust 1; the others get trust 0.
    expect(Array.from(r.combined)).toEqual([1, 1, 0, 0].map((x) => expect.closeTo(x, 6)));
    expect(r.coefficients!.get('flipped')).toEqual({ a: 0, b: 0 });
    expect(r.coefficients!.get('scaled')!.a).toBeCloseTo(Math.SQRT2 / Math.hypot(20, 20), 9);
    expect(r.metrics).toMatchObject({ trusted: 2, untrusted: 2 });
  });

  it('with no trusted update the step is zero; without a validation set it refuses to start', async () => {
    const s = new FLTrust();
    await s.initialize(context());
    const agg = s.beginAggregation(layout);
    agg.add({ participant: 'flipped', numExamples: 1, update: Float32Array.from([-1, -1, 0, 0]), metrics: {} });
    expect(Array.from(agg.finish().combined)).toEqual([0, 0, 0, 0]);
    await expect(new FLTrust().initialize(context(false))).rejects.toMatchObject({ code: 'CLOISTER_ERR_AGG_TASK_SPEC_INVALID' });
  });
});
