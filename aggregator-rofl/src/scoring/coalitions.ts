// The round's updates kept for rebuilding coalition models (leave-one-out, GTG-Shapley). A coalition's model is the
// previous model plus the coalition's part of the round's step: Σ_{i∈S} aᵢ·Δᵢ / Σ_{j∈N} bⱼ, where (aᵢ, bᵢ) are the
// coefficients the strategy combined the updates with (FedAvg: the bounded example count for both; FLTrust: trust ×
// ‖g₀‖/‖Δᵢ‖ and trust; uniform rules: 1 and 1 — the coordinate-wise rules are approximated by the mean of the members
// they kept). The denominator is the whole round's, not the coalition's: with a per-coalition mean, adding an all-zero
// update shrinks the step, and when the full step overshoots that damping lowers the validation loss, so a free-rider
// sending zeros would be paid for diluting the others (measured: up to 22 % of a round under GTG-Shapley). With the
// round's denominator a zero update adds exactly nothing, and each update is valued by what its own part of the step
// does.
//
// What everyone knows earns nothing: the last global step g (previous model − the one before) is public, and
// replaying it (a free-rider with no data) helps the way momentum does (measured on MNIST: 3–7 % of a round's reward
// under leave-one-out and GTG-Shapley). An update that is a rescaled copy of g (cosine ≥ PUBLIC_COPY_COSINE) is flagged
// and scores 0; it still takes part in the coalitions, as it did in the aggregate. Projecting g out of every update
// instead was measured too: it zeroes replays but leaves the honest updates only their non-IID drift, and their
// scores became erratic (one round paid three of six honest sites nothing), so it was not kept. A replay disguised with
// enough noise to fall below the threshold is not caught by this rule; the noise then costs it value.
//
// Memory: N updates of P parameters are 4·N·P bytes as float32. Under `memoryBytes` they are kept exactly; else each is
// kept as int8 with one float scale per update (N·P bytes, 4× less; per-coordinate error ≤ max|Δᵢ|/254, which
// moves a coalition model by far less than one local step); when even that exceeds the budget nothing is kept and the
// round falls back to the alignment score (reported in the metrics document as `scoring.kept: "none"`).

export type KeptPrecision = 'float32' | 'int8' | 'none';

/** Cosine with the last global step above which an update is a copy of public information (scores 0). */
export const PUBLIC_COPY_COSINE = 0.95;

/** Default budget for the kept updates: 256 MiB (64 updates of 1M parameters exactly, 256 as int8). */
export const DEFAULT_SCORING_MEMORY_BYTES = 256 * 1024 * 1024;

export function keptPrecisionFor(count: number, modelSize: number, memoryBytes = DEFAULT_SCORING_MEMORY_BYTES): KeptPrecision {
  if (count * modelSize * 4 <= memoryBytes) return 'float32';
  if (count * modelSize <= memoryBytes) return 'int8';
  return 'none';
}

type Kept = { participant: string; float?: Float32Array; quantized?: Int8Array; scale: number; a: number; b: number };

export class UpdateStore {
  private readonly kept = new Map<string, Kept>();
  /** Σ bⱼ over the round's included updates (setRoundDenominator); null: each coalition's own Σ bᵢ. */
  private denominator: number | null = null;
  private readonly publicStep: Float32Array | null;
  private readonly publicStepNorm: number;
  private readonly publicCopies = new Set<string>();

  /** `publicStep`: the last global step (null in the first round), against which copies of it are recognised. */
  constructor(
    readonly modelSize: number,
    readonly precision: KeptPrecision,
    publicStep: Float32Array | null = null,
  ) {
    let squared = 0;
    if (publicStep !== null) for (let i = 0; i < publicStep.length; i += 1) squared += publicStep[i]! * publicStep[i]!;
    this.publicStep = squared > 0 ? publicStep : null;
    this.publicStepNorm = Math.sqrt(squared);
  }

  /** Keeps a copy of `update` (which may be a reused buffer) at this store's precision; flags copies of the public step. */
  add(participant: string, update: Float32Array): void {
    if (this.precision === 'none') return;
    if (this.isCopyOfPublicStep(update)) this.publicCopies.add(participant);
    if (this.precision === 'float32') {
      this.kept.set(participant, { participant, float: update.slice(), scale: 1, a: 1, b: 1 });
      return;
    }
    let max = 0;
    for (let i = 0; i < update.length; i += 1) max = Math.max(max, Math.abs(update[i]!));
    const scale = max > 0 ? max / 127 : 1;
    const quantized = new Int8Array(update.length);
    for (let i = 0; i < update.length; i += 1) quantized[i] = Math.round(update[i]! / scale);
    this.kept.set(participant, { participant, quantized, scale, a: 1, b: 1 });
  }

  private isCopyOfPublicStep(update: Float32Array): boolean {
    const g = this.publicStep;
    if (g === null) return false;
    let dot = 0;
    let squared = 0;
    for (let i = 0; i < update.length; i += 1) {
      dot += update[i]! * g[i]!;
      squared += update[i]! * update[i]!;
    }
    return squared > 0 && dot / (Math.sqrt(squared) * this.publicStepNorm) >= PUBLIC_COPY_COSINE;
  }

  /** Whether the participant's update was a (rescaled) copy of the last global step: it scores 0. */
  isPublicCopy(participant: string): boolean {
    return this.publicCopies.has(participant);
  }

  /** How many kept updates were copies of the public step (an aggregate figure for the metrics document). */
  publicCopyCount(): number {
    return this.publicCopies.size;
  }

  /** Sets a participant's combination coefficients (numerator aᵢ on its update, denominator bᵢ). */
  setCoefficients(participant: string, a: number, b: number): void {
    const k = this.kept.get(participant);
    if (k !== undefined) {
      k.a = a;
      k.b = b;
    }
  }

  /** Fixes the denominator of every coalition to the whole round's Σ bⱼ (see the file comment). */
  setRoundDenominator(denominator: number): void {
    this.denominator = denominator;
  }

  has(participant: string): boolean {
    return this.kept.has(participant);
  }

  delete(participant: string): void {
    this.kept.delete(participant);
    this.publicCopies.delete(participant);
  }

  /** Bytes held by the kept updates. */
  bytes(): number {
    let total = 0;
    for (const k of this.kept.values()) total += k.float?.byteLength ?? k.quantized?.byteLength ?? 0;
    return total;
  }

  /** The coalition's part of the step, Σ aᵢΔᵢ / (the round's Σ bⱼ, else the coalition's Σ bᵢ), into `out` (zeros when it is 0). */
  combine(participants: readonly string[], out: Float32Array = new Float32Array(this.modelSize)): Float32Array {
    const acc = new Float64Array(this.modelSize);
    let denominator = 0;
    for (const p of participants) {
      const k = this.kept.get(p);
      if (k === undefined || k.a === 0) {
        denominator += k?.b ?? 0;
        continue;
      }
      denominator += k.b;
      if (k.float !== undefined) {
        const v = k.float;
        for (let i = 0; i < acc.length; i += 1) acc[i]! += k.a * v[i]!;
      } else {
        const v = k.quantized!;
        const f = k.a * k.scale;
        for (let i = 0; i < acc.length; i += 1) acc[i]! += f * v[i]!;
      }
    }
    const total = this.denominator ?? denominator;
    const factor = total > 0 ? 1 / total : 0;
    for (let i = 0; i < out.length; i += 1) out[i] = acc[i]! * factor;
    return out;
  }
}

/**
 * Gives each included participant's kept update the coefficients its strategy combined it with: the strategy's own
 * (FLTrust) when it reports them, else its (bounded) example count under example weighting, 1 under uniform weighting.
 */
export function setCoalitionCoefficients(
  store: UpdateStore,
  included: readonly string[],
  coefficients: ReadonlyMap<string, { a: number; b: number }> | undefined,
  weighting: 'examples' | 'uniform',
  examplesOf: (participant: string) => number,
): void {
  let denominator = 0;
  for (const p of included) {
    const c = coefficients?.get(p);
    const w = weighting === 'examples' ? examplesOf(p) : 1;
    store.setCoefficients(p, c?.a ?? w, c?.b ?? w);
    denominator += c?.b ?? w;
  }
  store.setRoundDenominator(denominator);
}
