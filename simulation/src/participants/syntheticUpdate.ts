// Seeded synthetic updates for benchmarks: P float32 parameters, deterministic per (seed, participant, round),
// uniform in [-scale, scale]. Generated on demand, one update per participant in flight, never kept.
import { createCipheriv, createHash } from 'node:crypto';
import type { NamedTensor, UpdatePayload } from '@cloister/protocol';

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

/**
 * Fills `out` with uniform draws in [-scale, scale): 32-bit words of an AES-256-CTR keystream keyed by the seed. The
 * round benches time the participants' work, and Flower's bench clients return a fixed array: a per-element JS
 * generator (mulberry32, ≈ 6–10 ms per 1M values here) was most of the participants' "seal" phase; the keystream
 * (OpenSSL) and one multiply-add per value take ≈ 3–4 ms.
 */
export function fillUniform(out: Float32Array, seed: number, scale: number): Float32Array {
  const key = createHash('sha256').update(`cloister-synthetic-update/${seed}`).digest();
  const stream = createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(out.length * 4));
  // A small output may sit in Node's buffer pool at an offset a Uint32Array cannot start at: copied then.
  const aligned = stream.byteOffset % 4 === 0 ? stream : Buffer.from(stream);
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, out.length);
  const step = (2 * scale) / 4294967296;
  for (let i = 0; i < out.length; i += 1) out[i] = words[i]! * step - scale;
  return out;
}

/** The initial global model of a synthetic task: P zeros in one tensor. */
export function syntheticModel(params: number): NamedTensor[] {
  return [{ name: SYNTHETIC_TENSOR, shape: [params], data: new Float32Array(params) }];
}

/** What identifies one synthetic update (it can be sent to a worker thread and generated there). */
export type SyntheticRecipe = { params: number; seed: number; participant: number; round: number; scale?: number };

/** Participant `participant`'s update of round `round`: P uniform deltas, examples 100 + participant % 50. */
export function syntheticUpdate(options: SyntheticRecipe): UpdatePayload {
  const data = fillUniform(new Float32Array(options.params), updateSeed(options.seed, options.participant, options.round), options.scale ?? 1e-3);
  return {
    deltas: [{ name: SYNTHETIC_TENSOR, shape: [options.params], data }],
    numExamples: 100 + (options.participant % 50),
    metrics: { loss: 1 / (1 + options.round) },
  };
}
