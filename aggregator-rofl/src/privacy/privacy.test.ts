import { layoutOf } from '../model/layout';
import { MemoryStateStore } from '../state/stateStore';
import { createStrategy } from '../strategies/createStrategy';
import { DpUnsupportedError } from '../errors';
import { CentralDp } from './centralDp';
import { addDiscreteGaussianNoise, simulationOnlySeededRandomSource } from '@cloister/protocol';
import { classicEpsilon, epsilonFromRdp, gaussianRdp, RdpAccountant } from './rdp';

describe('RDP accountant (values published in Google dp_accounting tests)', () => {
  it('Poisson-subsampled Gaussian q=0.01, z=2.5, 50 steps at integer orders', () => {
    const rdp = (a: number) => 50 * gaussianRdp(0.01, 2.5, a);
    expect(rdp(5)).toBeCloseTo(2.18075656e-3, 7);
    expect(rdp(50) / 2.3846037e-2).toBeCloseTo(1, 4);
    expect(rdp(100) / 167.416308).toBeCloseTo(1, 4);
  });

  it('improved RDP→(ε,δ) conversion: constant RDP 1.1 on orders 2..32, δ=1e-5 → ε = 1.32783806176 at α=32', () => {
    const orders = Array.from({ length: 31 }, (_, i) => i + 2);
    const { epsilon, order } = epsilonFromRdp(orders, orders.map(() => 1.1), 1e-5);
    expect(epsilon).toBeCloseTo(1.32783806176, 9);
    expect(order).toBe(32);
  });

  it('full-participation Gaussian z=4.530877117 is (1, 1e-6)-DP', () => {
    const orders = Array.from({ length: 99000 }, (_, i) => 1 + (i + 1) * 0.001);
    const rdp = orders.map((a) => gaussianRdp(1, 4.530877117, a));
    expect(epsilonFromRdp(orders, rdp, 1e-6).epsilon).toBeCloseTo(1, 5);
  });

  it('classic conversion matches the closed form T/2z² + √(2T log(1/δ))/z near its optimum', () => {
    const orders = Array.from({ length: 10000 }, (_, i) => 1 + (i + 1) * 0.001);
    const rdp = orders.map((a) => gaussianRdp(1, 1, a));
    expect(classicEpsilon(orders, rdp, 1e-5)).toBeCloseTo(0.5 + Math.sqrt(2 * Math.log(1e5)), 4);
  });

  it('q=1 reduces to α/(2z²); α=2 subsampled is log(1 + q²(e^{1/z²} − 1))', () => {
    expect(gaussianRdp(1, 2, 3)).toBeCloseTo(3 / 8, 12);
    expect(gaussianRdp(0.1, 1.5, 2)).toBeCloseTo(Math.log(1 + 0.01 * (Math.exp(1 / 2.25) - 1)), 12);
  });

  it('composition adds up: ε grows with rounds', () => {
    const acc = new RdpAccountant();
    acc.compose(1.0);
    const e1 = acc.epsilon(1e-5).epsilon;
    acc.compose(1.0);
    const e2 = acc.epsilon(1e-5).epsilon;
    expect(e2).toBeGreaterThan(e1);
    expect(acc.rounds).toBe(2);
    const again = new RdpAccountant(JSON.parse(JSON.stringify(acc.toJSON())));
    expect(again.epsilon(1e-5).epsilon).toBe(e2);
  });
});

describe('CentralDp wrapper', () => {
  const layout = layoutOf([{ name: 'w', shape: [2], data: new Float32Array(2) }]);

  it('clips each update to C, averages uniformly, adds discrete N(0, (zC/n)²) noise, reports (ε, δ) per round', async () => {
    const store = new MemoryStateStore();
    const ctx = { taskId: 1n, round: 1n, layout, stateStore: store };
    const dp = new CentralDp(createStrategy('fedavg'), { clipNorm: 1, noiseMultiplier: 0.5, delta: 1e-5, random: simulationOnlySeededRandomSource(42) });
    await dp.initialize(ctx);
    const agg = dp.beginAggregation(layout);
    agg.add({ participant: 'a', numExamples: 100, update: Float32Array.of(3, 4), metrics: {} }); // → (0.6, 0.8)
    agg.add({ participant: 'b', numExamples: 1, update: Float32Array.of(0.5, 0), metrics: {} }); // kept
    const out = agg.finish();
    // The same draws from the same seed: the clean uniform mean, snapped to the grid, plus g·Z.
    const expectedMean = Float64Array.of((0.6 + 0.5) / 2, 0.8 / 2);
    const noise = addDiscreteGaussianNoise(expectedMean, { sigma: (0.5 * 1) / 2, sensitivity: 1 / 2 }, simulationOnlySeededRandomSource(42));
    expect(out.combined[0]).toBeCloseTo(expectedMean[0]!, 6);
    expect(out.combined[1]).toBeCloseTo(expectedMean[1]!, 6);
    expect(out.combined[0]! - (0.6 + 0.5) / 2).not.toBe(0);
    expect(out.metrics).toMatchObject({ dpClipped: 1, dpNoiseStd: noise.sigma, dpNoiseGranularity: noise.granularity });
    const r1 = await dp.applyServerUpdate(out.combined, ctx);
    const expected = new RdpAccountant();
    expected.compose(0.5);
    expect(r1.metrics.dpEpsilon).toBeCloseTo(expected.epsilon(1e-5).epsilon, 10);

    const dp2 = new CentralDp(createStrategy('fedavg'), { clipNorm: 1, noiseMultiplier: 0.5, delta: 1e-5, random: simulationOnlySeededRandomSource(1) });
    const ctx2 = { ...ctx, round: 2n };
    await dp2.initialize(ctx2);
    const agg2 = dp2.beginAggregation(layout);
    agg2.add({ participant: 'a', numExamples: 1, update: Float32Array.of(0.1, 0), metrics: {} });
    const r2 = await dp2.applyServerUpdate(agg2.finish().combined, ctx2);
    expected.compose(0.5);
    expect(r2.metrics.dpRounds).toBe(2);
    expect(r2.metrics.dpEpsilon).toBeCloseTo(expected.epsilon(1e-5).epsilon, 10);
    // The job loop reads the guarantee through the strategy interface, not from metric names.
    expect(r2.privacy).toEqual({ epsilon: r2.metrics.dpEpsilon, delta: 1e-5, rounds: 2 });
    const plain = await createStrategy('fedavg').applyServerUpdate(new Float64Array(2), ctx2);
    expect(plain.privacy).toBeUndefined();
  });

  it('draws the noise of a real aggregator (no source given) from node:crypto (faults issue item 8)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const spy = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'randomFillSync');
    try {
      const dp = new CentralDp(createStrategy('fedavg'), { clipNorm: 1, noiseMultiplier: 0.5, delta: 1e-5 });
      const agg = dp.beginAggregation(layout);
      agg.add({ participant: 'a', numExamples: 1, update: Float32Array.of(0.1, 0), metrics: {} });
      agg.finish();
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses strategies whose sensitivity clipping does not bound', () => {
    expect(() => new CentralDp(createStrategy('median'), { clipNorm: 1, noiseMultiplier: 1, delta: 1e-5 })).toThrow(DpUnsupportedError);
  });
});
