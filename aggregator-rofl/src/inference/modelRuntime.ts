// The tfjs runtime of confidential inference: the task's Layers topology with the accepted weights, WebAssembly
// backend (tfjs-node cannot install everywhere; the client uses the same fallback). Forward pass only.
import * as tf from '@tensorflow/tfjs';
import type { NamedTensor } from '@cloister/protocol';
import { InferenceModelUnavailableError, InferenceRequestInvalidError } from '../errors';

let ready: Promise<string> | undefined;

/** Selects the wasm backend once per process (falls back to tfjs' cpu backend if wasm cannot start). */
export function initInferenceBackend(): Promise<string> {
  ready ??= (async () => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return tf.getBackend();
      }
    } catch {
      // wasm unavailable: cpu below
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return tf.getBackend();
  })();
  return ready;
}

/** A loaded model: `predict` takes rows × features and returns rows × outputs. */
export type Predictor = {
  modelHash: string;
  inputShape: number[];
  predict(input: NamedTensor): NamedTensor;
  dispose(): void;
};

/** Builds the Layers model of `topology` and sets `weights` (names and shapes checked in model order). */
export async function loadPredictor(topology: unknown, weights: readonly NamedTensor[], modelHash: string): Promise<Predictor> {
  await initInferenceBackend();
  let model: tf.LayersModel;
  try {
    const t = topology as Record<string, unknown>;
    const artifacts = ('modelTopology' in t ? t : { modelTopology: t }) as Parameters<typeof tf.models.modelFromJSON>[0];
    model = await tf.models.modelFromJSON(artifacts);
  } catch (cause) {
    throw new InferenceModelUnavailableError('the task spec model topology cannot be built by tfjs', { cause });
  }
  if (model.weights.length !== weights.length || model.weights.some((w, i) => w.shape.join(',') !== weights[i]!.shape.join(','))) {
    model.dispose();
    throw new InferenceModelUnavailableError('the accepted model does not match the task spec topology');
  }
  const tensors = weights.map((w) => tf.tensor(w.data, w.shape, 'float32'));
  model.setWeights(tensors);
  tf.dispose(tensors);
  const inputShape = (model.inputs[0]!.shape as (number | null)[]).slice(1).map((d) => d ?? -1);
  return {
    modelHash,
    inputShape,
    predict(input: NamedTensor): NamedTensor {
      const perRow = inputShape.reduce((a, b) => a * b, 1);
      const rows = input.shape[0] ?? 0;
      if (rows < 1 || input.data.length !== rows * perRow) {
        throw new InferenceRequestInvalidError(
          `the input must be rows × [${inputShape.join(', ')}] float32 values; got shape [${input.shape.join(', ')}]`,
          { details: { expected: inputShape, got: input.shape } },
        );
      }
      return tf.tidy(() => {
        const x = tf.tensor(input.data, [rows, ...inputShape], 'float32');
        const y = model.predict(x) as tf.Tensor;
        return { name: 'output', shape: [...y.shape], data: Float32Array.from(y.dataSync() as Float32Array) };
      });
    },
    dispose: () => model.dispose(),
  };
}
