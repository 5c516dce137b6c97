import { classesOf } from '@cloister/simulation';
import { loadMnistFederation } from './mnist';

describe('MNIST federation (the demo data)', () => {
  it('splits the 10k training images over the clients by a seeded, label-skewed Dirichlet draw', () => {
    const fed = loadMnistFederation(10, 0.5, 1);
    expect(fed.clients).toHaveLength(10);
    expect(fed.clients.reduce((n, c) => n + c.count, 0)).toBe(10_000);
    expect(fed.test.count).toBe(10_000);
    for (const c of fed.clients) expect(c.count).toBeGreaterThanOrEqual(10);
    // Non-IID at α = 0.5: on average a client's largest class is far above the 10 % of an even split.
    const largestShare = fed.clients.map((c) => {
      const counts = new Array<number>(10).fill(0);
      for (const k of classesOf(c)) counts[k]! += 1;
      return Math.max(...counts) / c.count;
    });
    expect(largestShare.reduce((a, b) => a + b, 0) / largestShare.length).toBeGreaterThan(0.25);
    // Seeded: the same seed gives the same split, another seed another one.
    expect(loadMnistFederation(10, 0.5, 1).clients.map((c) => c.count)).toEqual(fed.clients.map((c) => c.count));
    expect(loadMnistFederation(10, 0.5, 2).clients.map((c) => c.count)).not.toEqual(fed.clients.map((c) => c.count));
  });
});
