import { randomFillSync } from 'node:crypto';

/** Source of standard normal samples, filled in bulk. */
export type NormalSource = (out: Float64Array) => void;

/**
 * Standard normals by Box–Muller from the OS CSPRNG (node:crypto). Each pair of 32-bit words gives two uniforms
 * in (0, 1]; 53-bit uniforms are not needed for noise whose scale is itself an estimate.
 */
export const cryptoNormals: NormalSource = (out) => {
  const chunk = new Uint32Array(Math.min(1 << 16, out.length + (out.length % 2)));
  let i = 0;
  while (i < out.length) {
    randomFillSync(chunk);
    for (let j = 0; j + 1 < chunk.length && i < out.length; j += 2) {
      const u1 = (chunk[j]! + 1) / 4294967296;
      const u2 = (chunk[j + 1]! + 1) / 4294967296;
      const r = Math.sqrt(-2 * Math.log(u1));
      out[i++] = r * Math.cos(2 * Math.PI * u2);
      if (i < out.length) out[i++] = r * Math.sin(2 * Math.PI * u2);
    }
  }
};

/** Deterministic normals from a seed (mulberry32 + Box–Muller). For tests and benchmarks only. */
export function seededNormals(seed: number): NormalSource {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297;
  };
  return (out) => {
    for (let i = 0; i < out.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(uniform()));
      const theta = 2 * Math.PI * uniform();
      out[i] = r * Math.cos(theta);
      if (i + 1 < out.length) out[i + 1] = r * Math.sin(theta);
    }
  };
}
