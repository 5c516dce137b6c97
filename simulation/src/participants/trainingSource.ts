// Real training: each virtual participant trains the round's global model with @cloister/client's `trainRound`
// (tfjs) on its own local data set, one participant at a time (tfjs has one engine per process), and its update
// goes through the same seal → commit → upload path as a real client's.
import { buildModel, initBackend, readModelWeights, trainRound, type LocalDataset } from '@cloister/client';
import type { NamedTensor, TrainingTaskSpec } from '@cloister/protocol';
import type { UpdateSource } from '../engine/updateSource';

/** A tfjs Layers topology of a dense network: inputs → hidden layers (relu) → outputs (sigmoid for 1, else softmax). */
export function denseTopology(options: { inputs: number; hidden?: number[]; outputs: number; seed?: number }): Record<string, unknown> {
  const units = [...(options.hidden ?? []), options.outputs];
  const layers = units.map((u, k) => ({
    class_name: 'Dense',
    config: {
      name: `dense_${k + 1}`,
      units: u,
      activation: k < units.length - 1 ? 'relu' : options.outputs === 1 ? 'sigmoid' : 'softmax',
      use_bias: true,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: (options.seed ?? 1) + k } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      trainable: true,
      dtype: 'float32',
      ...(k === 0 ? { batch_input_shape: [null, options.inputs] } : {}),
    },
  }));
  return { class_name: 'Sequential', config: { name: 'simulation', layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' };
}

/** The initial weights of `spec`'s model (seeded initializers), read in model order. */
export async function initialWeights(spec: TrainingTaskSpec): Promise<NamedTensor[]> {
  await initBackend();
  const model = await buildModel(spec.model.topology);
  try {
    return readModelWeights(model);
  } finally {
    model.dispose();
  }
}

/** Updates from local training on `datasets[participant]` (one data set per participant). */
export function trainingSource(options: { spec: TrainingTaskSpec; datasets: LocalDataset[]; label?: string }): UpdateSource {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    label: options.label ?? `training ${options.spec.name}`,
    needsGlobalModel: true,
    async task() {
      return { spec: options.spec, initialModel: await initialWeights(options.spec) };
    },
    update(participant, round, globalModel) {
      const dataset = options.datasets[participant];
      if (!dataset) return Promise.reject(new RangeError(`no data set for participant ${participant}`));
      const run = queue.then(async () => {
        const result = await trainRound({ spec: options.spec, globalWeights: globalModel ?? [], dataset, seed: round * 100_003 + participant });
        return result.update;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
