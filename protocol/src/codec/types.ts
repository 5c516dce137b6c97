/** A named float32 tensor; a model (or an update's deltas) is a list of these in the model's weight order. */
export type NamedTensor = { name: string; shape: number[]; data: Float32Array };
