import { layoutOf } from '../model/layout';
import { MemoryStateStore } from '../state/stateStore';
import { createStrategy, strategyOf, type StrategyName, type StrategyParams } from './createStrategy';
import { coordinateMedian, krumScores, trimmedMean } from './math';
import { REASON, type RoundContext, type Strategy } from './types';
import { StrategyParamsError, StrategyUnknownError, TooManyUpdatesError } from '../errors';

const layout = layoutOf([{ name: 'w', shape: [2], data: new Float32Array(2) }]);
const layout1 = layoutOf([{ name: 'w', shape: [1], data: new Float32Array(1) }]);

function ctx(round: bigint, store: MemoryStateStore, l = layout): RoundContext {
  return { taskId: 7n, round, layout: l, stateStore: store };
}

async function runRound(
  strategy: Strategy,
  context: RoundContext,
  updates: { p: string; n: number; u: number[] }[],
) {
  await strategy.initialize(context);
  const agg = strategy.beginAggregation(context.layout);
  for (const { p, n, u } of updates) agg.add({ participant: p, numExamples: n, update: Float32Array.from(u), metrics: {} });
  const combined = agg.finish();
  const server = await strategy.applyServerUpdate(combined.combined, context);
  return { combined, delta: Array.from(server.delta) };
}

describe('FedAvg', () => {
  it('weights by example count (hand-computed)', async () => {
    const { delta, combined } = await runRound(createStrategy('fedavg'), ctx(1n, new MemoryStateStore()), [
      { p: 'a', n: 1, u: [1, 2] },
      { p: 'b', n: 3, u: [3, 4] },
    ]);
    // (1·1 + 3·3)/4 = 2.5, (1·2 + 3·4)/4 = 3.5
    expect(delta).toEqual([2.5, 3.5]);
    expect(combined.included).toEqual(['a', 'b']);
  });

  it('float32 accumulator gives the same mean for small inputs', async () => {
    const { delta } = await runRound(createStrategy('fedavg', { accumulator: 'float32' }), ctx(1n, new MemoryStateStore()), [
      { p: 'a', n: 2, u: [1, -1] },
      { p: 'b', n: 2, u: [3, 1] },
    ]);
    expect(delta).toEqual([2, 0]);
  });
});

describe('server optimizers (Flower formulas, state carried through the store)', () => {
  it('FedAvgM: v ← μv + Δ, step = ηv', async () => {
    const store = new MemoryStateStore();
    const s = createStrategy('fedavgm', { serverMomentum: 0.9, serverLearningRate: 0.5 });
    const r1 = await runRound(s, ctx(1n, store), [{ p: 'a', n: 1, u: [1, 0] }]);
    expect(r1.delta).toEqual([0.5, 0]);
    const r2 = await runRound(createStrategy('fedavgm', { serverMomentum: 0.9, serverLearningRate: 0.5 }), ctx(2n, store), [
      { p: 'a', n: 1, u: [0, 1] },
    ]);
    expect(r2.delta[0]).toBeCloseTo(0.45, 6); // 0.5 · (0.9·1 + 0)
    expect(r2.delta[1]).toBeCloseTo(0.5, 6); // 0.5 · (0.9·0 + 1)
  });

  it('FedAdam with bias correction over two rounds', async () => {
    const store = new MemoryStateStore();
    const r1 = await runRound(createStrategy('fedadam'), ctx(1n, store, layout1), [{ p: 'a', n: 1, u: [0.5] }]);
    // m = 0.05, v = 0.0025, η̂ = 0.1·√0.01/0.1 = 0.1, step = 0.1·0.05/0.05
    expect(r1.delta[0]).toBeCloseTo(0.1, 6);
    const r2 = await runRound(createStrategy('fedadam'), ctx(2n, store, layout1), [{ p: 'a', n: 1, u: [-0.5] }]);
    // m = 0.045 − 0.05 = −0.005, v = 0.99·0.0025 + 0.01·0.25 = 0.004975, η̂ = 0.1·√(1−0.99²)/(1−0.9²)
    const etaHat = (0.1 * Math.sqrt(1 - 0.99 ** 2)) / (1 - 0.9 ** 2);
    expect(r2.delta[0]).toBeCloseTo((etaHat * -0.005) / (Math.sqrt(0.004975) + 1e-9), 6);
  });

  it('a retried round recomputes from the previous round state (idempotent)', async () => {
    const store = new MemoryStateStore();
    await runRound(createStrategy('fedadam'), ctx(1n, store, layout1), [{ p: 'a', n: 1, u: [0.5] }]);
    const first = await runRound(createStrategy('fedadam'), ctx(2n, store, layout1), [{ p: 'a', n: 1, u: [-0.5] }]);
    const retry = await runRound(createStrategy('fedadam'), ctx(2n, store, layout1), [{ p: 'a', n: 1, u: [-0.5] }]);
    expect(retry.delta).toEqual(first.delta);
  });

  it('FedYogi: v ← v − (1−β₂)Δ² sign(v − Δ²)', async () => {
    const { delta } = await runRound(createStrategy('fedyogi'), ctx(1n, new MemoryStateStore(), layout1), [
      { p: 'a', n: 1, u: [0.5] },
    ]);
    // m = 0.05, v = 0 + 0.01·0.25 = 0.0025, step = 0.01·0.05/(0.05 + 0.001)
    expect(delta[0]).toBeCloseTo((0.01 * 0.05) / 0.051, 7);
  });

  it('FedAdagrad: v ← v + Δ², β₁ = 0 by default', async () => {
    const store = new MemoryStateStore();
    const r1 = await runRound(createStrategy('fedadagrad'), ctx(1n, store, layout1), [{ p: 'a', n: 1, u: [0.5] }]);
    expect(r1.delta[0]).toBeCloseTo(0.1, 6);
    const r2 = await runRound(createStrategy('fedadagrad'), ctx(2n, store, layout1), [{ p: 'a', n: 1, u: [0.5] }]);
    // v = 0.5, step = 0.1·0.5/√0.5
    expect(r2.delta[0]).toBeCloseTo((0.1 * 0.5) / Math.sqrt(0.5), 6);
  });
});

describe('robust rules', () => {
  it('coordinate-wise median (odd and even counts)', () => {
    expect(Array.from(coordinateMedian([1, 5, 3].map((x) => Float32Array.of(x, -x))))).toEqual([3, -3]);
    expect(Array.from(coordinateMedian([1, 2, 3, 10].map((x) => Float32Array.of(x))))).toEqual([2.5]);
  });

  it('trimmed mean drops ⌊βn⌋ from each end', async () => {
    expect(Array.from(trimmedMean([0, 1, 2, 3, 100].map((x) => Float32Array.of(x)), 0.2))).toEqual([2]);
    const { delta } = await runRound(createStrategy('trimmed-mean', { beta: 0.2 }), ctx(1n, new MemoryStateStore(), layout1), [
      { p: 'a', n: 1, u: [0] },
      { p: 'b', n: 1, u: [1] },
      { p: 'c', n: 1, u: [2] },
      { p: 'd', n: 1, u: [3] },
      { p: 'e', n: 1, u: [100] },
    ]);
    expect(delta).toEqual([2]);
  });

  const krumSet = [
    { p: 'a', n: 1, u: [0, 0] },
    { p: 'b', n: 1, u: [1, 0] },
    { p: 'c', n: 1, u: [0, 1] },
    { p: 'd', n: 1, u: [10, 10] },
  ];

  it('Krum scores by the n − f − 2 nearest squared distances', () => {
    // f = 1 → 1 nearest: a:1, b:1, c:1, d: min(200, 181, 181) = 181
    expect(krumScores(krumSet.map((k) => Float32Array.from(k.u)), 1)).toEqual([1, 1, 1, 181]);
  });

  it('Krum keeps the most central update and excludes the rest as RobustFilter', async () => {
    const { delta, combined } = await runRound(createStrategy('krum', { numMalicious: 1 }), ctx(1n, new MemoryStateStore()), krumSet);
    expect(delta).toEqual([0, 0]);
    expect(combined.included).toEqual(['a']);
    expect(combined.excluded.map((e) => [e.participant, e.reason])).toEqual([
      ['b', REASON.RobustFilter],
      ['c', REASON.RobustFilter],
      ['d', REASON.RobustFilter],
    ]);
  });

  it('Multi-Krum averages the best m and filters the outlier', async () => {
    const { delta, combined } = await runRound(
      createStrategy('multi-krum', { numMalicious: 1, numToKeep: 3 }),
      ctx(1n, new MemoryStateStore()),
      krumSet,
    );
    expect(delta[0]).toBeCloseTo(1 / 3, 6);
    expect(delta[1]).toBeCloseTo(1 / 3, 6);
    expect(combined.excluded).toEqual([expect.objectContaining({ participant: 'd', reason: REASON.RobustFilter })]);
  });

  it('holding strategies refuse more than maxUpdates', () => {
    const agg = createStrategy('median', { maxUpdates: 2 }).beginAggregation(layout1);
    agg.add({ participant: 'a', numExamples: 1, update: Float32Array.of(1), metrics: {} });
    agg.add({ participant: 'b', numExamples: 1, update: Float32Array.of(1), metrics: {} });
    expect(() => agg.add({ participant: 'c', numExamples: 1, update: Float32Array.of(1), metrics: {} })).toThrow(TooManyUpdatesError);
  });
});

describe('createStrategy', () => {
  it('rejects unknown names and parameters with typed errors', () => {
    expect(() => createStrategy('fedsgd' as StrategyName)).toThrow(StrategyUnknownError);
    expect(() => createStrategy('fedadam', { etaa: 1 } as StrategyParams<'fedadam'>)).toThrow(StrategyParamsError);
    expect(() => createStrategy('trimmed-mean', { beta: 0.5 })).toThrow(StrategyParamsError);
  });

  it('refuses a parameter the strategy does not use instead of dropping it', () => {
    // FedAvg used to ignore serverMomentum and Krum numToKeep: a spec could say one thing and do another.
    expect(() => createStrategy('fedavg', { serverMomentum: 0.9 } as StrategyParams<'fedavg'>)).toThrow(StrategyParamsError);
    expect(() => createStrategy('krum', { numToKeep: 2 } as StrategyParams<'krum'>)).toThrow(StrategyParamsError);
    expect(() => createStrategy('median', { accumulator: 'float32' } as StrategyParams<'median'>)).toThrow(StrategyParamsError);
    expect(createStrategy('multi-krum', { numToKeep: 2, numMalicious: 1 }).name).toBe('multi-krum');
  });

  it('builds the strategy of a task spec aggregation section', () => {
    expect(strategyOf({ strategy: 'fedyogi', params: { eta: 0.02 } }).name).toBe('fedyogi');
  });

  it('aggregateEvaluate is the example-weighted mean of reported metrics', () => {
    const m = createStrategy('fedavg').aggregateEvaluate([
      { numExamples: 1, metrics: { loss: 1, accuracy: 0.5 } },
      { numExamples: 3, metrics: { loss: 3 } },
    ]);
    expect(m).toEqual({ accuracy: 0.5, loss: 2.5 });
  });
});
