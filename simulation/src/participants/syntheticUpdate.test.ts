import { syntheticUpdate, updateSeed } from './syntheticUpdate';

describe('syntheticUpdate', () => {
  it('is deterministic per (seed, participant, round) and differs otherwise', () => {
    const a = syntheticUpdate({ params: 1000, seed: 1, participant: 3, round: 2 });
    const b = syntheticUpdate({ params: 1000, seed: 1, participant: 3, round: 2 });
    expect(Buffer.from(a.deltas[0]!.data.buffer).equals(Buffer.from(b.deltas[0]!.data.buffer))).toBe(true);
    for (const other of [{ participant: 4, round: 2 }, { participant: 3, round: 3 }]) {
      const c = syntheticUpdate({ params: 1000, seed: 1, ...other });
      expect(Buffer.from(c.deltas[0]!.data.buffer).equals(Buffer.from(a.deltas[0]!.data.buffer))).toBe(false);
    }
    expect(updateSeed(1, 3, 2)).not.toBe(updateSeed(2, 3, 2));
  });

  it('stays in [-scale, scale) with a mean near 0 and the declared shape', () => {
    const u = syntheticUpdate({ params: 100_000, seed: 9, participant: 0, round: 1, scale: 0.5 });
    const d = u.deltas[0]!;
    expect(d.shape).toEqual([100_000]);
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of d.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    expect(min).toBeGreaterThanOrEqual(-0.5);
    expect(max).toBeLessThan(0.5);
    expect(max - min).toBeGreaterThan(0.99);
    expect(Math.abs(sum / d.data.length)).toBeLessThan(0.01);
    expect(u.numExamples).toBe(100);
  });
});
