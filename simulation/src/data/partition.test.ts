import type { Examples } from '@cloister/client';
import { classesOf, partitionDirichlet, partitionIid, sampleGamma, seededRandom } from './partition';

function labelled(count: number, classes: number): Examples {
  const features = new Float32Array(count * 2);
  const labels = new Float32Array(count);
  for (let i = 0; i < count; i += 1) {
    features[2 * i] = i;
    features[2 * i + 1] = -i;
    labels[i] = i % classes;
  }
  return { featureShape: [2], labelShape: [1], features, labels, count };
}

describe('partitionIid', () => {
  it('splits every example exactly once into near-equal parts, seeded', () => {
    const ex = labelled(103, 3);
    const parts = partitionIid(ex, 10, 1);
    expect(parts.map((p) => p.count).sort()).toEqual([10, 10, 10, 10, 10, 10, 10, 11, 11, 11]);
    const seen = parts.flatMap((p) => Array.from({ length: p.count }, (_, i) => p.features[2 * i]!)).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 103 }, (_, i) => i));
    // rows stay whole: feature 1 = -feature 0, label = feature 0 mod 3
    for (const p of parts) for (let i = 0; i < p.count; i += 1) {
      expect(p.features[2 * i + 1]).toBe(-p.features[2 * i]!);
      expect(p.labels[i]).toBe(p.features[2 * i]! % 3);
    }
    expect(partitionIid(ex, 10, 1)[0]!.features).toEqual(parts[0]!.features);
    expect(partitionIid(ex, 10, 2)[0]!.features).not.toEqual(parts[0]!.features);
  });
});

describe('partitionDirichlet', () => {
  it('covers every example once, respects the minimum size, and skews labels more for small alpha', () => {
    const ex = labelled(2000, 10);
    const skew = (alpha: number) => {
      const parts = partitionDirichlet(ex, 20, alpha, 3, 10);
      expect(parts.reduce((s, p) => s + p.count, 0)).toBe(2000);
      expect(parts.every((p) => p.count >= 10)).toBe(true);
      // mean share of the dominant class per part
      return parts.reduce((s, p) => {
        const counts = new Map<number, number>();
        for (const c of classesOf(p)) counts.set(c, (counts.get(c) ?? 0) + 1);
        return s + Math.max(...counts.values()) / p.count;
      }, 0) / parts.length;
    };
    expect(skew(0.1)).toBeGreaterThan(skew(100) + 0.3);
  });

  it('refuses impossible minimum sizes', () => {
    expect(() => partitionDirichlet(labelled(50, 2), 10, 1, 1, 10)).toThrow(/cannot give 10 participants/);
  });
});

describe('sampleGamma', () => {
  it('has mean ≈ shape for shapes below and above 1', () => {
    const random = seededRandom(5);
    for (const shape of [0.3, 2.5]) {
      let s = 0;
      for (let i = 0; i < 20_000; i += 1) s += sampleGamma(shape, random);
      expect(Math.abs(s / 20_000 - shape) / shape).toBeLessThan(0.05);
    }
  });
});
