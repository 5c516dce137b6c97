import { keptPrecisionFor, setCoalitionCoefficients, UpdateStore } from './coalitions';

const vector = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));

describe('UpdateStore', () => {
  it('picks float32 within the budget, int8 when only a quarter fits, none beyond', () => {
    expect(keptPrecisionFor(10, 1000, 40_000)).toBe('float32');
    expect(keptPrecisionFor(10, 1000, 39_999)).toBe('int8');
    expect(keptPrecisionFor(10, 1000, 10_000)).toBe('int8');
    expect(keptPrecisionFor(10, 1000, 9_999)).toBe('none');
  });

  it('rebuilds a coalition as Σ aᵢΔᵢ / Σ bᵢ exactly in float32 (the buffer it was given may be reused)', () => {
    const store = new UpdateStore(4, 'float32');
    const buffer = vector(4, (i) => i);
    store.add('a', buffer);
    buffer.fill(10); // the job reuses its buffers: the store kept a copy
    store.add('b', buffer);
    store.setCoefficients('a', 1, 1);
    store.setCoefficients('b', 3, 3);
    expect(Array.from(store.combine(['a', 'b']))).toEqual([7.5, 7.75, 8, 8.25]);
    expect(Array.from(store.combine(['a']))).toEqual([0, 1, 2, 3]);
    expect(Array.from(store.combine([]))).toEqual([0, 0, 0, 0]);
    expect(store.bytes()).toBe(32);
  });

  it("with the round's denominator a coalition is its members' part of the step: a zero update adds nothing", () => {
    const store = new UpdateStore(2, 'float32');
    store.add('a', vector(2, () => 1));
    store.add('zero', vector(2, () => 0));
    setCoalitionCoefficients(store, ['a', 'zero'], undefined, 'examples', (p) => (p === 'a' ? 1 : 3));
    expect(Array.from(store.combine(['a']))).toEqual([0.25, 0.25]);
    expect(Array.from(store.combine(['a', 'zero']))).toEqual([0.25, 0.25]);
  });

  it('int8 keeps a quarter of the bytes and each coordinate within max|Δ|/254', () => {
    const n = 1000;
    const u = vector(n, (i) => Math.sin(i) * 0.02);
    const store = new UpdateStore(n, 'int8');
    store.add('a', u);
    const back = store.combine(['a']);
    for (let i = 0; i < n; i += 1) expect(Math.abs(back[i]! - u[i]!)).toBeLessThanOrEqual(0.02 / 254 + 1e-9);
    expect(store.bytes()).toBe(n);
  });

  it('flags an update that is a rescaled copy of the public last step, and only that', () => {
    const step = Float32Array.from([1, 1, 0]);
    const store = new UpdateStore(3, 'float32', step);
    store.add('replay', Float32Array.from([3, 3, 0]));
    store.add('honest', Float32Array.from([2, 0, 1]));
    store.add('zero', Float32Array.from([0, 0, 0]));
    expect([store.isPublicCopy('replay'), store.isPublicCopy('honest'), store.isPublicCopy('zero')]).toEqual([true, false, false]);
    expect(store.publicCopyCount()).toBe(1);
    // it stays in the coalitions as it was in the aggregate
    expect(Array.from(store.combine(['replay']))).toEqual([3, 3, 0]);
  });

  it('keeps nothing at precision none', () => {
    const store = new UpdateStore(3, 'none');
    store.add('a', vector(3, () => 1));
    expect(store.has('a')).toBe(false);
    expect(store.bytes()).toBe(0);
  });
});
