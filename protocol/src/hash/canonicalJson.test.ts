import { canonicalJson, toJsonValue } from './canonicalJson';

describe('canonicalJson (RFC 8785 after normalization)', () => {
  it('sorts keys by UTF-16 code units at every depth and writes no white space', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' }, A: true })).toBe('{"A":true,"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    // "\u20ac" (U+20AC) sorts before "\ud83d\ude00" (a surrogate pair starting at U+D83D): code units, not code points.
    expect(canonicalJson({ '\ud83d\ude00': 1, '\u20ac': 2 })).toBe('{"\u20ac":2,"\ud83d\ude00":1}');
  });

  it('writes numbers in the ECMAScript form RFC 8785 prescribes', () => {
    expect(canonicalJson([1e21, 1e-7, -0, 0.1 + 0.2, 100, 1.5e300])).toBe('[1e+21,1e-7,0,0.30000000000000004,100,1.5e+300]');
  });

  it('maps non-finite numbers to null and bigints to decimal strings, and drops undefined properties', () => {
    expect(canonicalJson({ ratio: NaN, high: Infinity, low: -Infinity, wei: 12345678901234567890n, gone: undefined, list: [undefined, 1] })).toBe(
      '{"high":null,"list":[null,1],"low":null,"ratio":null,"wei":"12345678901234567890"}',
    );
    expect(toJsonValue(undefined)).toBeNull();
  });

  it('gives the same text whatever order the keys were inserted in', () => {
    expect(canonicalJson({ x: 1, y: { p: 1, q: 2 } })).toBe(canonicalJson({ y: { q: 2, p: 1 }, x: 1 }));
  });
});
