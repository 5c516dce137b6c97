// Rényi DP accountant for the Gaussian mechanism, full participation or Poisson-subsampled.
//   Full participation (Mironov 2017, Prop. 7):      RDP(α) = α / (2 z²)
//   Poisson-subsampled with rate q (Mironov, Talwar & Zhang 2019, integer α ≥ 2):
//     A_α = Σ_{k=0..α} C(α,k) (1−q)^{α−k} q^k exp((k² − k) / (2 z²)),   RDP(α) = log(A_α) / (α − 1)
//   Composition over rounds adds RDP per order. Conversion to (ε, δ) (Balle et al. 2020 / Canonne, Kamath & Steinke
//   2020, as in Google's dp_accounting):  ε = min_α RDP(α) + log((α−1)/α) − (log δ + log α) / (α − 1).
//   `classicEpsilon` gives Mironov 2017's looser ε = min_α RDP(α) + log(1/δ) / (α − 1) for comparison.

/** Orders used by default: dp_accounting's grid (fractional orders are only used with full participation). */
export const DEFAULT_ORDERS: readonly number[] = [
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 52 }, (_, i) => 12 + i),
  128,
  256,
  512,
];

function logAdd(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** RDP of one Gaussian mechanism (noise multiplier z, sensitivity 1) at order α, with sampling rate q. */
export function gaussianRdp(q: number, z: number, order: number): number {
  if (q === 0) return 0;
  if (z === 0) return Number.POSITIVE_INFINITY;
  if (q === 1) return order / (2 * z * z);
  if (!Number.isInteger(order)) return Number.NaN; // fractional orders need the series of Mironov et al.: not used
  // log A_α by a log-sum-exp over k, with log C(α, k) built incrementally.
  let logA = Number.NEGATIVE_INFINITY;
  let logBinom = 0;
  const logQ = Math.log(q);
  const log1mQ = Math.log1p(-q);
  for (let k = 0; k <= order; k += 1) {
    if (k > 0) logBinom += Math.log(order - k + 1) - Math.log(k);
    const term = logBinom + k * logQ + (order - k) * log1mQ + (k * k - k) / (2 * z * z);
    logA = logAdd(logA, term);
  }
  return logA / (order - 1);
}

/** Orders that `gaussianRdp` supports for this sampling rate. */
export function ordersFor(q: number, orders: readonly number[] = DEFAULT_ORDERS): number[] {
  return q === 1 ? [...orders] : orders.filter((a) => Number.isInteger(a) && a >= 2);
}

/** ε for a δ from an RDP curve (improved conversion), and the order that achieved it. */
export function epsilonFromRdp(orders: readonly number[], rdp: readonly number[], delta: number): { epsilon: number; order: number } {
  let best = { epsilon: Number.POSITIVE_INFINITY, order: Number.NaN };
  const logDelta = Math.log(delta);
  orders.forEach((a, i) => {
    const r = rdp[i]!;
    if (!(a > 1) || !Number.isFinite(r)) return;
    const eps = r + Math.log1p(-1 / a) - (logDelta + Math.log(a)) / (a - 1);
    if (eps < best.epsilon) best = { epsilon: Math.max(0, eps), order: a };
  });
  return best;
}

/** Mironov 2017 Prop. 3: ε = min_α RDP(α) + log(1/δ)/(α − 1). */
export function classicEpsilon(orders: readonly number[], rdp: readonly number[], delta: number): number {
  let best = Number.POSITIVE_INFINITY;
  orders.forEach((a, i) => {
    if (a > 1 && Number.isFinite(rdp[i]!)) best = Math.min(best, rdp[i]! + Math.log(1 / delta) / (a - 1));
  });
  return best;
}

export type AccountantState = { orders: number[]; rdp: number[]; rounds: number };

/** Composes Gaussian-mechanism rounds; state is a plain object so it can be persisted between rounds. */
export class RdpAccountant {
  private readonly state: AccountantState;

  constructor(state?: AccountantState, orders: readonly number[] = DEFAULT_ORDERS) {
    this.state = state ?? { orders: [...orders], rdp: orders.map(() => 0), rounds: 0 };
  }

  /** Adds `steps` rounds of the Gaussian mechanism with noise multiplier z and sampling rate q. */
  compose(noiseMultiplier: number, samplingRate = 1, steps = 1): void {
    const usable = new Set(ordersFor(samplingRate, this.state.orders));
    this.state.orders.forEach((a, i) => {
      this.state.rdp[i] = usable.has(a)
        ? this.state.rdp[i]! + steps * gaussianRdp(samplingRate, noiseMultiplier, a)
        : Number.POSITIVE_INFINITY;
    });
    this.state.rounds += steps;
  }

  epsilon(delta: number): { epsilon: number; order: number } {
    return epsilonFromRdp(this.state.orders, this.state.rdp, delta);
  }

  get rounds(): number {
    return this.state.rounds;
  }

  toJSON(): AccountantState {
    return { orders: [...this.state.orders], rdp: [...this.state.rdp], rounds: this.state.rounds };
  }
}
