// Validation-based contribution of each participant to one round: leave-one-out, or GTG-Shapley (Liu et al. 2021,
// "GTG-Shapley: Efficient and Accurate Participant Contribution Evaluation in Federated Learning"). Both see the
// participants only through `utility(coalition)`: how much the model rebuilt from that coalition's updates improves on
// the previous model on the TEE's validation set. Nothing here knows about tensors; see coalitions.ts for the models.

/** Members of a coalition as indices into the round's included participants (sorted ascending). */
export type Coalition = readonly number[];
/**
 * The utility of a coalition on each of K disjoint folds of the validation set (K ≥ 1). Contributions are computed per
 * fold; their spread across folds says whether a contribution is distinguishable from evaluation noise.
 */
export type Utility = (coalition: Coalition) => Promise<readonly number[]>;

export type ContributionResult = {
  /** One contribution per participant (utility units, mean over the folds; may be negative). */
  contributions: number[];
  /** Each contribution's t statistic over the folds (mean / standard error; ±Infinity when the folds agree exactly). */
  significance: number[];
  /** Utility evaluations actually run (cached coalitions count once). */
  evaluations: number;
  /** u(all) − u(∅): what the whole round gained on the validation set. */
  roundGain: number;
  /** Monte-Carlo permutations completed (GTG-Shapley), 0 for leave-one-out. */
  permutations: number;
  /** True when the round was truncated as a whole (|u(all) − u(∅)| below the tolerance: every contribution 0). */
  roundTruncated: boolean;
};

/** Memoizes a utility by coalition, so a subset is evaluated once whatever path reaches it. */
export function memoized(utility: Utility): { utility: Utility; evaluations: () => number } {
  const cache = new Map<string, Promise<readonly number[]>>();
  return {
    utility: (coalition) => {
      const key = coalition.join(',');
      let value = cache.get(key);
      if (value === undefined) {
        value = utility(coalition);
        cache.set(key, value);
      }
      return value;
    },
    evaluations: () => cache.size,
  };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const minus = (a: readonly number[], b: readonly number[] | null) => a.map((x, k) => x - (b === null ? 0 : b[k]!));

/** t statistic of per-fold values: mean / (sd/√K); 0 for a zero mean, ±Infinity when every fold agrees exactly. */
export function tStatistic(folds: readonly number[]): number {
  const m = mean(folds);
  if (m === 0) return 0;
  if (folds.length < 2) return m > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  const variance = folds.reduce((a, x) => a + (x - m) ** 2, 0) / (folds.length - 1);
  const se = Math.sqrt(variance / folds.length);
  return se > 0 ? m / se : m > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

/** Leave-one-out: φᵢ = u(N) − u(N \ {i}). n + 1 evaluations (u(∅) = 0 by definition of the utility). */
export async function leaveOneOut(n: number, utility: Utility): Promise<ContributionResult> {
  const cached = memoized(utility);
  const all = range(n);
  const whole = await cached.utility(all);
  const perFold: number[][] = [];
  for (let i = 0; i < n; i += 1) {
    const without = all.filter((j) => j !== i);
    perFold.push(minus(whole, without.length === 0 ? null : await cached.utility(without)));
  }
  return {
    contributions: perFold.map(mean),
    significance: perFold.map(tStatistic),
    evaluations: cached.evaluations(),
    roundGain: mean(whole),
    permutations: 0,
    roundTruncated: false,
  };
}

export type GtgShapleyOptions = {
  /** Most utility evaluations this round (the spec's `scoring.sampleBudget`). */
  sampleBudget: number;
  /** Truncation tolerance as a fraction of |u(N) − u(∅)| (between-round and within-round truncation). */
  truncation?: number;
  /** Uniform [0, 1) source for the permutations (seeded: the scores of a round are reproducible). */
  random: () => number;
  /** Stop early when the mean relative change of the estimates over the last permutation is below this. */
  convergence?: number;
};

export const DEFAULT_GTG_TRUNCATION = 0.01;
export const DEFAULT_GTG_CONVERGENCE = 0.005;

/**
 * GTG-Shapley: Monte-Carlo permutation estimates of the Shapley value with (1) between-round truncation: when the
 * whole round changed the utility by less than the tolerance every contribution is 0; (2) within-round truncation: once
 * a prefix's utility is within the tolerance of u(N), the rest of that permutation adds 0 without evaluations;
 * (3) guided sampling: permutation k starts with participant k mod n, so each leads equally often. Stops at the sample
 * budget (evaluations, cached subsets free) or when the estimates have converged.
 */
export async function gtgShapley(n: number, utility: Utility, options: GtgShapleyOptions): Promise<ContributionResult> {
  const cached = memoized(utility);
  const tolerance = options.truncation ?? DEFAULT_GTG_TRUNCATION;
  const convergence = options.convergence ?? DEFAULT_GTG_CONVERGENCE;
  const wholeFolds = n === 0 ? [0] : await cached.utility(range(n));
  const whole = mean(wholeFolds);
  const epsilon = tolerance * Math.abs(whole);
  const folds = wholeFolds.length;
  const sums = Array.from({ length: n }, () => new Array<number>(folds).fill(0));
  const samples = new Array<number>(n).fill(0);
  const estimate = (i: number) => (samples[i]! > 0 ? mean(sums[i]!) / samples[i]! : 0);
  if (n === 0 || whole === 0) {
    return { contributions: new Array<number>(n).fill(0), significance: new Array<number>(n).fill(0), evaluations: cached.evaluations(), roundGain: whole, permutations: 0, roundTruncated: true };
  }
  const zero = new Array<number>(folds).fill(0);
  let permutations = 0;
  // Each permutation costs at most n − 1 evaluations, but cached subsets are free: with few participants every subset
  // is soon cached, so the permutations themselves are capped by the budget too.
  for (let k = 0; cached.evaluations() < options.sampleBudget && k < options.sampleBudget; k += 1) {
    const order = guidedPermutation(n, k % n, options.random);
    const before = range(n).map(estimate);
    let previous: readonly number[] = zero;
    const members: number[] = [];
    let exhausted = false;
    const marginals: [number, number[]][] = [];
    for (const participant of order) {
      members.push(participant);
      let value = previous;
      if (Math.abs(whole - mean(previous)) > epsilon) {
        if (members.length === n) value = wholeFolds;
        else {
          if (cached.evaluations() >= options.sampleBudget) {
            exhausted = true;
            break;
          }
          value = await cached.utility([...members].sort((a, b) => a - b));
        }
      }
      marginals.push([participant, minus(value, previous)]);
      previous = value;
    }
    if (exhausted) break; // an unfinished permutation would bias the participants it reached
    for (const [participant, marginal] of marginals) {
      marginal.forEach((m, f) => (sums[participant]![f]! += m));
      samples[participant]! += 1;
    }
    permutations += 1;
    if (permutations >= n) {
      const change = range(n).reduce((acc, i) => acc + Math.abs(estimate(i) - before[i]!) / Math.max(Math.abs(estimate(i)), 1e-12), 0) / n;
      if (change < convergence) break;
    }
  }
  return {
    contributions: range(n).map(estimate),
    significance: range(n).map((i) => (samples[i]! > 0 ? tStatistic(sums[i]!.map((x) => x / samples[i]!)) : 0)),
    evaluations: cached.evaluations(),
    roundGain: whole,
    permutations,
    roundTruncated: false,
  };
}

/** A uniform permutation of 0..n−1 with `first` at the front (Fisher–Yates on the rest). */
function guidedPermutation(n: number, first: number, random: () => number): number[] {
  const rest = range(n).filter((i) => i !== first);
  for (let i = rest.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return [first, ...rest];
}

/** A contribution earns only when its t statistic over the validation folds reaches this (one-sided, ≈ 5 % at K = 5). */
export const SIGNIFICANCE_THRESHOLD = 2;

/**
 * Scores from contributions: integers summing to 1e6 in proportion to the positive contributions that are
 * distinguishable from evaluation noise (t over the validation folds ≥ SIGNIFICANCE_THRESHOLD); anything else earns 0
 * (a noise update helps or hurts by chance on a finite validation set; it must not be paid when it happens to help).
 * When nothing earns every score is 0 and the contract credits the whole round reward to governance (TaskManager
 * accepts a score sum of 0 for exactly this case): an equal split would pay free-riders.
 */
export function scoresFromContributions(
  contributions: readonly number[],
  total: number,
  split: (weights: number[], total: number) => number[],
  significance?: readonly number[],
): number[] {
  const positive = contributions.map((c, i) =>
    Number.isFinite(c) && c > 0 && (significance === undefined || significance[i]! >= SIGNIFICANCE_THRESHOLD) ? c : 0,
  );
  if (positive.every((c) => c === 0)) return positive.map(() => 0);
  return split(positive, total);
}
