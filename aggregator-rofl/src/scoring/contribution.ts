// Validation-based contribution of each participant to one round: leave-one-out, or GTG-Shapley (Liu et al. 2021,
// "GTG-Shapley: Efficient and Accurate Participant Contribution Evaluation in Federated Learning"). Both see the
// participants only through `utility(coalition)`: how much the model rebuilt from that coalition's updates improves on
// the previous model on the TEE's validation set. Nothing here knows about tensors; see coalitions.ts for the models.

/** Members of a coalition as indices into the round's included participants (sorted ascending). */
export type Coalition = readonly number[];
export type Utility = (coalition: Coalition) => Promise<number>;

export type ContributionResult = {
  /** One contribution per participant (utility units; may be negative). */
  contributions: number[];
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
  const cache = new Map<string, Promise<number>>();
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

/** Leave-one-out: φᵢ = u(N) − u(N \ {i}). n + 1 evaluations (u(∅) = 0 by definition of the utility). */
export async function leaveOneOut(n: number, utility: Utility): Promise<ContributionResult> {
  const cached = memoized(utility);
  const all = range(n);
  const whole = await cached.utility(all);
  const contributions: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const without = all.filter((j) => j !== i);
    contributions.push(whole - (without.length === 0 ? 0 : await cached.utility(without)));
  }
  return { contributions, evaluations: cached.evaluations(), roundGain: whole, permutations: 0, roundTruncated: false };
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
  const whole = n === 0 ? 0 : await cached.utility(range(n));
  const epsilon = tolerance * Math.abs(whole);
  const sums = new Array<number>(n).fill(0);
  const samples = new Array<number>(n).fill(0);
  if (n === 0 || whole === 0) {
    return { contributions: sums, evaluations: cached.evaluations(), roundGain: whole, permutations: 0, roundTruncated: true };
  }
  let permutations = 0;
  // Each permutation costs at most n − 1 evaluations, but cached subsets are free: with few participants every subset
  // is soon cached, so the permutations themselves are capped by the budget too.
  for (let k = 0; cached.evaluations() < options.sampleBudget && k < options.sampleBudget; k += 1) {
    const order = guidedPermutation(n, k % n, options.random);
    const before = sums.map((s, i) => (samples[i]! > 0 ? s / samples[i]! : 0));
    let previous = 0;
    const members: number[] = [];
    let exhausted = false;
    const marginals: [number, number][] = [];
    for (const participant of order) {
      members.push(participant);
      let value = previous;
      if (Math.abs(whole - previous) > epsilon) {
        if (members.length === n) value = whole;
        else {
          if (cached.evaluations() >= options.sampleBudget) {
            exhausted = true;
            break;
          }
          value = await cached.utility([...members].sort((a, b) => a - b));
        }
      }
      marginals.push([participant, value - previous]);
      previous = value;
    }
    if (exhausted) break; // an unfinished permutation would bias the participants it reached
    for (const [participant, marginal] of marginals) {
      sums[participant]! += marginal;
      samples[participant]! += 1;
    }
    permutations += 1;
    if (permutations >= n) {
      const after = sums.map((s, i) => s / samples[i]!);
      const change = after.reduce((acc, v, i) => acc + Math.abs(v - before[i]!) / Math.max(Math.abs(v), 1e-12), 0) / n;
      if (change < convergence) break;
    }
  }
  const contributions = sums.map((s, i) => (samples[i]! > 0 ? s / samples[i]! : 0));
  return { contributions, evaluations: cached.evaluations(), roundGain: whole, permutations, roundTruncated: false };
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

/**
 * Scores from contributions: integers summing to 1e6 in proportion to the positive contributions; a non-positive
 * contribution earns 0. When none is positive every score is 0 and the contract credits the whole round reward to
 * governance (TaskManager accepts a score sum of 0 for exactly this case): an equal split would pay free-riders.
 */
export function scoresFromContributions(contributions: readonly number[], total: number, split: (weights: number[], total: number) => number[]): number[] {
  const positive = contributions.map((c) => (Number.isFinite(c) && c > 0 ? c : 0));
  if (positive.every((c) => c === 0)) return positive.map(() => 0);
  return split(positive, total);
}
