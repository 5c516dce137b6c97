// Forming the update: delta = local − global in float32, optional clipping to an L2 bound and discrete Gaussian noise.
import { addDiscreteGaussianNoise, type DiscreteNoise, type RandomSource } from '@cloister/protocol';
import { WeightsMismatchError } from './errors';
import type { NamedTensor } from './types';

/** delta[i] = local[i] − global[i], each difference rounded to float32 (what a float32 subtraction gives). */
export function computeDeltas(local: readonly NamedTensor[], global: readonly NamedTensor[]): NamedTensor[] {
  if (local.length !== global.length) {
    throw new WeightsMismatchError(`Local model has ${local.length} tensors, global has ${global.length}.`);
  }
  return local.map((l, i) => {
    const g = global[i]!;
    if (l.name !== g.name || l.data.length !== g.data.length) {
      throw new WeightsMismatchError(`Tensor ${i} differs between local (${l.name}) and global (${g.name}) models.`, { details: {
        index: i,
      } });
    }
    const out = new Float32Array(l.data.length);
    for (let j = 0; j < out.length; j++) out[j] = l.data[j]! - g.data[j]!;
    return { name: l.name, shape: [...l.shape], data: out };
  });
}

/** L2 norm over all tensors, accumulated in float64. */
export function l2Norm(tensors: readonly NamedTensor[]): number {
  let sum = 0;
  for (const t of tensors) for (let j = 0; j < t.data.length; j++) sum += t.data[j]! * t.data[j]!;
  return Math.sqrt(sum);
}

/** Scales the tensors in place so that their joint L2 norm is at most `clipNorm`. Returns the norm before. */
export function clipInPlace(tensors: NamedTensor[], clipNorm: number): { normBefore: number; scale: number } {
  const normBefore = l2Norm(tensors);
  if (normBefore <= clipNorm || normBefore === 0) return { normBefore, scale: 1 };
  // Scale in float64 and round down in magnitude, so the float32 result never exceeds the bound by rounding.
  const scale = clipNorm / normBefore;
  for (const t of tensors) {
    for (let j = 0; j < t.data.length; j++) {
      const v = t.data[j]! * scale;
      let f = Math.fround(v);
      if (Math.abs(f) > Math.abs(v)) f = nextTowardZero(f);
      t.data[j] = f;
    }
  }
  return { normBefore, scale };
}

function nextTowardZero(f: number): number {
  const buf = new Float32Array([f]);
  const bits = new Uint32Array(buf.buffer);
  bits[0] = bits[0]! - 1;
  return buf[0]!;
}

/**
 * Adds discrete Gaussian noise of standard deviation `stddev` to every coordinate, in place (protocol's
 * addDiscreteGaussianNoise: Canonne–Kamath–Steinke sampler, one grid for the whole update, the input snapped to it).
 * `sensitivity` is the clip norm C. Returns the grid and the σ actually used (≥ stddev); nothing when stddev is 0.
 */
export function addDiscreteGaussianNoiseInPlace(tensors: NamedTensor[], stddev: number, sensitivity: number, random: RandomSource): DiscreteNoise | null {
  if (stddev <= 0) return null;
  const dimension = tensors.reduce((n, t) => n + t.data.length, 0);
  let noise: DiscreteNoise | null = null;
  for (const t of tensors) noise = addDiscreteGaussianNoise(t.data, { sigma: stddev, sensitivity, dimension }, random);
  return noise;
}
