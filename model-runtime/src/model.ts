// The task's model: a tfjs Layers topology (LayersModel.toJSON()) with weights from the round's global model.
import * as tf from '@tensorflow/tfjs';
import { ModelInvalidError, WeightsMismatchError } from './errors';
import type { NamedTensor } from './types';

/** Builds an uncompiled LayersModel from the task spec's `model.topology` (tfjs Layers topology JSON). */
export async function buildModel(topology: unknown): Promise<tf.LayersModel> {
  if (topology === null || typeof topology !== 'object') {
    throw new ModelInvalidError('The task spec has no model topology object (model.topology).');
  }
  try {
    const t = topology as Record<string, unknown>;
    const artifacts = ('modelTopology' in t ? t : { modelTopology: t }) as Parameters<typeof tf.models.modelFromJSON>[0];
    return await tf.models.modelFromJSON(artifacts);
  } catch (error) {
    throw new ModelInvalidError(
      `The task's model topology cannot be built by tfjs: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** The tfjs weight name without the `_N` suffix tfjs adds when several models live in one process. */
function weightName(w: tf.LayerVariable): string {
  return w.originalName;
}

/** Names and shapes of the model's weights, in model order (the order of NamedTensor[] everywhere). */
export function weightSpecs(model: tf.LayersModel): { name: string; shape: number[] }[] {
  return model.weights.map((w) => ({ name: weightName(w), shape: [...w.shape] as number[] }));
}

/** Checks that `weights` matches the model's weights one to one (names, shapes, sizes), or throws. */
export function assertWeightsMatch(model: tf.LayersModel, weights: readonly NamedTensor[]): void {
  const specs = weightSpecs(model);
  if (specs.length !== weights.length) {
    throw new WeightsMismatchError(
      `The global model has ${weights.length} tensors but the task's model has ${specs.length} weights.`,
      { details: { expected: specs.map((s) => s.name), got: weights.map((w) => w.name) } },
    );
  }
  specs.forEach((spec, i) => {
    const w = weights[i]!;
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (w.name !== spec.name || w.shape.length !== spec.shape.length || w.shape.some((d, j) => d !== spec.shape[j])) {
      throw new WeightsMismatchError(
        `Tensor ${i} of the global model is ${w.name} [${w.shape.join(',')}], the model expects ${spec.name} [${spec.shape.join(',')}].`,
        { details: { index: i, expected: spec, got: { name: w.name, shape: w.shape } } },
      );
    }
    if (w.data.length !== size) {
      throw new WeightsMismatchError(`Tensor ${w.name} holds ${w.data.length} values, its shape needs ${size}.`, { details: {
        index: i,
        name: w.name,
      } });
    }
  });
}

/** Sets the model's weights from named tensors (checked first). */
export function setModelWeights(model: tf.LayersModel, weights: readonly NamedTensor[]): void {
  assertWeightsMatch(model, weights);
  const tensors = weights.map((w) => tf.tensor(w.data, w.shape, 'float32'));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/** Reads the model's weights as named float32 tensors (copies). */
export function readModelWeights(model: tf.LayersModel): NamedTensor[] {
  return model.weights.map((w) => {
    const value = w.read();
    return { name: weightName(w), shape: [...value.shape], data: Float32Array.from(value.dataSync() as Float32Array) };
  });
}
