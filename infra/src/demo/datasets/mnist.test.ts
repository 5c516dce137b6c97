import { createRng } from '@cloister/client';
import { dirichletLabelSplit, sampleDirichlet } from './mnist';

describe('Dirichlet label split', () => {
  const classes = Uint8Array.from({ length: 5000 }, (_, i) => i % 10);

  it('assigns every example to exactly one client, deterministically', () => {
    const parts = dirichletLabelSplit(classes, 10, 0.5, 7);
    const all = parts.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(dirichletLabelSplit(classes, 10, 0.5, 7)).toEqual(parts);
    expect(dirichletLabelSplit(classes, 10, 0.5, 8)).not.toEqual(parts);
  });

  it('is non-IID at α = 0.5 and close to IID at α = 1000', () => {
    const skew = (alpha: number) => {
      const parts = dirichletLabelSplit(classes, 10, alpha, 1);
      // mean over clients of the largest class share
      return parts.reduce((acc, rows) => {
        const counts = new Array(10).fill(0);
        rows.forEach((r) => counts[classes[r]!]++);
        return acc + Math.max(...counts) / Math.max(rows.length, 1);
      }, 0) / parts.length;
    };
    expect(skew(0.5)).toBeGreaterThan(0.25);
    expect(skew(1000)).toBeLessThan(0.15);
  });

  it('draws proportions that sum to 1 with the Dirichlet mean', () => {
    const rng = createRng(3);
    const sums = new Array(4).fill(0);
    for (let i = 0; i < 2000; i++) {
      const p = sampleDirichlet(4, 0.5, rng);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      p.forEach((x, j) => (sums[j] += x));
    }
    sums.forEach((s) => expect(s / 2000).toBeCloseTo(0.25, 1));
  });
});
