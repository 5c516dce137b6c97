/** A named float32 tensor in model order (structurally the protocol's NamedTensor). */
export type Tensor = { name: string; shape: number[]; data: Float32Array };

export type LayoutEntry = { name: string; shape: number[]; size: number; offset: number };

/** Names, shapes and offsets of a model's tensors when laid end to end as one flat vector. */
export type ModelLayout = { entries: LayoutEntry[]; size: number };

export function layoutOf(tensors: readonly Tensor[]): ModelLayout {
  let offset = 0;
  const entries = tensors.map((t) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    const entry = { name: t.name, shape: [...t.shape], size, offset };
    offset += size;
    return entry;
  });
  return { entries, size: offset };
}

/**
 * The tensors as one flat Float32Array. When the tensors already lie contiguously in one buffer in model order (the
 * codec's usual output) this is a view and copies nothing; otherwise they are copied into `scratch` (reused).
 */
export function flatten(tensors: readonly Tensor[], layout: ModelLayout, scratch?: Float32Array): Float32Array {
  const first = tensors[0];
  if (first !== undefined) {
    let contiguous = true;
    const buffer = first.data.buffer;
    const base = first.data.byteOffset;
    for (let i = 0; i < tensors.length && contiguous; i += 1) {
      const t = tensors[i]!;
      const e = layout.entries[i]!;
      contiguous = t.data.buffer === buffer && t.data.byteOffset === base + e.offset * 4;
    }
    if (contiguous) return new Float32Array(buffer, base, layout.size);
  }
  const out = scratch !== undefined && scratch.length === layout.size ? scratch : new Float32Array(layout.size);
  tensors.forEach((t, i) => out.set(t.data, layout.entries[i]!.offset));
  return out;
}

/** Splits a flat vector back into named tensors (views, no copy). */
export function unflatten(flat: Float32Array, layout: ModelLayout): Tensor[] {
  return layout.entries.map((e) => ({
    name: e.name,
    shape: [...e.shape],
    data: flat.subarray(e.offset, e.offset + e.size),
  }));
}
