// Seeded synthetic updates for benchmarks: P float32 parameters, deterministic per (seed, participant, round),
// uniform in [-scale, scale]. Generated on demand, one update per participant in flight, never kept.
import { mulberry32, type NamedTensor, type UpdatePayload } from '@cloister/protocol';

/** The synthetic model's single tensor. */
export const SYNTHETIC_TENSOR = 'synthetic/weights';

/** 32-bit FNV-1a of the three numbers: the PRNG seed of one (seed, participant, round). */
export function updateSeed(seed: number, participant: number, round: number): number {
  let h = 0x811c9dc5;
  for (const v of [seed, participant, round]) {
    for (let s = 0; s < 32; s += 8) {
      h ^= (v >>> s) & 0xff;
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/** Fills `out` with mulberry32 draws in [-scale, scale). */
export function fillUniform(out: Float32Array, seed: number, scale: number): Float32Array {
  const random = mulberry32(seed);
  for (let i = 0; i < out.length; i += 1) out[i] = (2 * random() - 1) * scale;
  return out;
}

/** The initial global model of a synthetic task: P zeros in one tensor. */
export function syntheticModel(params: number): NamedTensor[] {
  return [{ name: SYNTHETIC_TENSOR, shape: [params], data: new Float32Array(params) }];
}

/** Participant `participant`'s update of round `round`: P uniform deltas, examples 100 + participant % 50. */
export function syntheticUpdate(options: { params: number; seed: number; participant: number; round: number; scale?: number }): UpdatePayload {
  const data = fillUniform(new Float32Array(options.params), updateSeed(options.seed, options.participant, options.round), options.scale ?? 1e-3);
  return {
    deltas: [{ name: SYNTHETIC_TENSOR, shape: [options.params], data }],
    numExamples: 100 + (options.participant % 50),
    metrics: { loss: 1 / (1 + options.round) },
  };
}
