// The round's updates kept for rebuilding coalition models (leave-one-out, GTG-Shapley). A coalition's model is the
// previous model plus the strategy's combination restricted to the coalition: Σ aᵢ·Δᵢ / Σ bᵢ over its members, where
// (aᵢ, bᵢ) are the coefficients the strategy used (FedAvg: the bounded example count for both; FLTrust: trust ×
// ‖g₀‖/‖Δᵢ‖ and trust; uniform rules: 1 and 1 — the coordinate-wise rules are approximated by the mean of the members
// they kept).
//
// Memory: N updates of P parameters are 4·N·P bytes as float32. Under `memoryBytes` they are kept exactly; else each is
// kept as int8 with one float scale per update (N·P bytes, 4× less; per-coordinate error ≤ max|Δᵢ|/254, which
// moves a coalition model by far less than one local step); when even that exceeds the budget nothing is kept and the
// round falls back to the alignment score (reported in the metrics document as `scoring.kept: "none"`).

export type KeptPrecision = 'float32' | 'int8' | 'none';

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
  constructor(
    readonly modelSize: number,
    readonly precision: KeptPrecision,
  ) {}

  /** Keeps a copy of `update` (which may be a reused buffer) at this store's precision. */
  add(participant: string, update: Float32Array): void {
    if (this.precision === 'none') return;
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

  /** Sets a participant's combination coefficients (numerator aᵢ on its update, denominator bᵢ). */
  setCoefficients(participant: string, a: number, b: number): void {
    const k = this.kept.get(participant);
    if (k !== undefined) {
      k.a = a;
      k.b = b;
    }
  }

  has(participant: string): boolean {
    return this.kept.has(participant);
  }

  delete(participant: string): void {
    this.kept.delete(participant);
  }

  /** Bytes held by the kept updates. */
  bytes(): number {
    let total = 0;
    for (const k of this.kept.values()) total += k.float?.byteLength ?? k.quantized?.byteLength ?? 0;
    return total;
  }

  /** The coalition's combined delta Σ aᵢΔᵢ / Σ bᵢ into `out` (zeros when Σ bᵢ is 0). */
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
    const factor = denominator > 0 ? 1 / denominator : 0;
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
  for (const p of included) {
    const c = coefficients?.get(p);
    const w = weighting === 'examples' ? examplesOf(p) : 1;
    store.setCoefficients(p, c?.a ?? w, c?.b ?? w);
  }
}
