import { createRng } from '@cloister/model-runtime';
import { gtgShapley, leaveOneOut, scoresFromContributions, tStatistic, type Coalition } from './contribution';
import { largestRemainder, SCORE_TOTAL } from './scores';

// One validation fold: the utility as a one-element list.
const oneFold = (f: (c: Coalition) => Promise<number>) => async (c: Coalition) => [await f(c)];
// An additive game: u(S) = Σ_{i∈S} v_i. Its Shapley value is exactly v_i, and so is leave-one-out.
const additive = (values: number[]) => oneFold(async (coalition: Coalition) => coalition.reduce((a, i) => a + values[i]!, 0));

describe('leave-one-out', () => {
  it('is u(N) − u(N∖i) with n + 1 evaluations', async () => {
    const r = await leaveOneOut(4, additive([3, 1, 0, -2]));
    expect(r.contributions).toEqual([3, 1, 0, -2]);
    expect(r.evaluations).toBe(5);
    expect(r.roundGain).toBe(2);
  });

  it('gives a duplicate of another participant nothing extra when the utility saturates', async () => {
    // u = 1 if the coalition holds participant 0 or its copy 1, plus 1 for participant 2: redundancy is LOO's blind spot
    const u = oneFold(async (s: Coalition) => (s.includes(0) || s.includes(1) ? 1 : 0) + (s.includes(2) ? 1 : 0));
    const r = await leaveOneOut(3, u);
    expect(r.contributions).toEqual([0, 0, 1]);
  });
});

describe('GTG-Shapley', () => {
  it('recovers the Shapley value of an additive game and respects the sample budget', async () => {
    const values = [0.5, 0.2, 0.0, 0.3, -0.1, 0.1];
    let calls = 0;
    const u = async (s: Coalition) => {
      calls += 1;
      return additive(values)(s);
    };
    const rng = createRng(7);
    const r = await gtgShapley(values.length, u, { sampleBudget: 40, random: () => rng.next(), truncation: 0 });
    expect(calls).toBeLessThanOrEqual(40);
    expect(r.evaluations).toBe(calls);
    r.contributions.forEach((c, i) => expect(c).toBeCloseTo(values[i]!, 9));
    expect(r.permutations).toBeGreaterThan(0);
  });

  it('splits a symmetric game evenly (redundant participants share) and truncates within a permutation', async () => {
    const u = oneFold(async (s: Coalition) => (s.includes(0) || s.includes(1) ? 1 : 0));
    const rng = createRng(3);
    const r = await gtgShapley(3, u, { sampleBudget: 200, random: () => rng.next(), convergence: 0 });
    expect(r.contributions[2]).toBe(0);
    // Guided sampling: 0 and 1 lead equally often, so each is the first to bring the unit half of the time.
    expect(r.contributions[0]! + r.contributions[1]!).toBeCloseTo(1, 9);
    expect(Math.abs(r.contributions[0]! - r.contributions[1]!)).toBeLessThan(0.2);
    // Once a prefix holds 0 or 1 the rest is truncated: far fewer evaluations than the 7 non-empty subsets × permutations.
    expect(r.evaluations).toBeLessThanOrEqual(7);
  });

  it('a round that changed nothing is truncated whole: every contribution 0', async () => {
    const r = await gtgShapley(3, async () => [0, 0], { sampleBudget: 50, random: Math.random });
    expect(r.roundTruncated).toBe(true);
    expect(r.contributions).toEqual([0, 0, 0]);
  });
});

describe('significance over validation folds', () => {
  it('a contribution that helps on some folds and hurts on others is noise: it earns nothing', async () => {
    // participant 0 helps on every fold; participant 1 (a noise update) helps or hurts by fold, slightly positive on average
    const u = async (s: Coalition) =>
      [0, 1, 2, 3, 4].map((k) => (s.includes(0) ? 1 + 0.01 * k : 0) + (s.includes(1) ? [0.3, -0.25, 0.2, -0.2, 0.1][k]! : 0));
    const r = await leaveOneOut(2, u);
    expect(r.contributions[1]).toBeGreaterThan(0);
    expect(r.significance[0]).toBeGreaterThan(10);
    expect(Math.abs(r.significance[1]!)).toBeLessThan(1);
    expect(scoresFromContributions(r.contributions, SCORE_TOTAL, largestRemainder, r.significance)).toEqual([SCORE_TOTAL, 0]);
    expect(tStatistic([1, 1, 1])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('scoresFromContributions', () => {
  it('pays positive contributions in proportion and nothing for non-positive ones', () => {
    expect(scoresFromContributions([3, -1, 1, 0], SCORE_TOTAL, largestRemainder)).toEqual([750_000, 0, 250_000, 0]);
  });

  it('gives all zeros when nothing contributed (the reward goes to governance)', () => {
    expect(scoresFromContributions([-1, 0, Number.NaN], SCORE_TOTAL, largestRemainder)).toEqual([0, 0, 0]);
  });
});
