import { flatten, type ModelLayout, type Tensor } from '../model/layout';
import { normAndSketch, sketchSizeFor } from '../scoring/sketch';
import { REASON, type ExclusionReason } from '../strategies/types';

export type ValidUpdate = { ok: true; flat: Float32Array; norm: number; sketch: Float64Array };
export type InvalidUpdate = { ok: false; reason: ExclusionReason; detail: string };

/**
 * Checks a decoded update against the model and the task's bounds: the same tensor names and shapes in the same
 * order (ShapeMismatch), a positive integer example count (MalformedUpdate), every value finite (NonFinite),
 * L2 norm over all tensors ≤ `normBound` (NormExceeded). One pass computes the norm and the scoring sketch.
 */
export function validateUpdate(
  update: { deltas: readonly Tensor[]; numExamples: number },
  layout: ModelLayout,
  normBound: number,
  options: { scratch?: Float32Array; sketchSize?: number } = {},
): ValidUpdate | InvalidUpdate {
  const { deltas, numExamples } = update;
  if (!(Number.isSafeInteger(numExamples) && numExamples > 0)) {
    return { ok: false, reason: REASON.MalformedUpdate, detail: `numExamples must be a positive integer, got ${numExamples}` };
  }
  if (deltas.length !== layout.entries.length) {
    return { ok: false, reason: REASON.ShapeMismatch, detail: `${deltas.length} tensors, the model has ${layout.entries.length}` };
  }
  for (let i = 0; i < deltas.length; i += 1) {
    const t = deltas[i]!;
    const e = layout.entries[i]!;
    const sameShape = t.shape.length === e.shape.length && t.shape.every((d, j) => d === e.shape[j]);
    if (t.name !== e.name || !sameShape || t.data.length !== e.size) {
      return {
        ok: false,
        reason: REASON.ShapeMismatch,
        detail: `tensor ${i} is ${t.name} [${t.shape.join(',')}], the model expects ${e.name} [${e.shape.join(',')}]`,
      };
    }
  }
  const flat = flatten(deltas, layout, options.scratch);
  const sketch = new Float64Array(sketchSizeFor(layout.size, options.sketchSize));
  const sumSq = normAndSketch(flat, sketch);
  // Float32 squares cannot overflow a float64 sum at any realistic size, so a non-finite sum means a NaN/±Inf value.
  if (!Number.isFinite(sumSq)) {
    const at = flat.findIndex((x) => !Number.isFinite(x));
    return { ok: false, reason: REASON.NonFinite, detail: `non-finite value at flat index ${at}` };
  }
  const norm = Math.sqrt(sumSq);
  if (norm > normBound) {
    return { ok: false, reason: REASON.NormExceeded, detail: `L2 norm ${norm.toPrecision(6)} exceeds the bound ${normBound}` };
  }
  return { ok: true, flat, norm, sketch };
}
