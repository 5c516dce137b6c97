import { layoutOf } from '../model/layout';
import { REASON } from '../strategies/types';
import { validateUpdate } from './validateUpdate';

const model = [
  { name: 'dense/kernel', shape: [2, 2], data: new Float32Array(4) },
  { name: 'dense/bias', shape: [2], data: new Float32Array(2) },
];
const layout = layoutOf(model);

function update(k: number[], b: number[], numExamples = 5) {
  return {
    numExamples,
    deltas: [
      { name: 'dense/kernel', shape: [2, 2], data: Float32Array.from(k) },
      { name: 'dense/bias', shape: [2], data: Float32Array.from(b) },
    ],
  };
}

describe('validateUpdate', () => {
  it('accepts a matching update and reports its norm and flat view', () => {
    const r = validateUpdate(update([3, 0, 0, 0], [4, 0]), layout, 10);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.norm).toBeCloseTo(5, 12);
      expect(Array.from(r.flat)).toEqual([3, 0, 0, 0, 4, 0]);
    }
  });

  it.each([
    ['over the norm bound', update([3, 0, 0, 0], [4, 0]), 4.99, REASON.NormExceeded],
    ['a NaN', update([Number.NaN, 0, 0, 0], [0, 0]), 10, REASON.NonFinite],
    ['an Infinity', update([0, 0, 0, 0], [Number.POSITIVE_INFINITY, 0]), 10, REASON.NonFinite],
    ['zero examples', update([0, 0, 0, 0], [0, 0], 0), 10, REASON.MalformedUpdate],
  ])('excludes an update with %s', (_name, u, bound, reason) => {
    const r = validateUpdate(u, layout, bound);
    expect(r).toEqual(expect.objectContaining({ ok: false, reason }));
  });

  it('excludes wrong names, shapes and tensor counts as ShapeMismatch', () => {
    const wrongName = update([0, 0, 0, 0], [0, 0]);
    wrongName.deltas[1]!.name = 'other/bias';
    const wrongShape = { numExamples: 1, deltas: [{ name: 'dense/kernel', shape: [4], data: new Float32Array(4) }, model[1]!] };
    const missing = { numExamples: 1, deltas: [model[0]!] };
    for (const u of [wrongName, wrongShape, missing]) {
      expect(validateUpdate(u, layout, 10)).toEqual(expect.objectContaining({ ok: false, reason: REASON.ShapeMismatch }));
    }
  });
});
