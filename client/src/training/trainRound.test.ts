import * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { loadDataset, type LoadedDataset } from '../data/loadDataset';
import { featureStatistics } from '../data/split';
import { buildModel, evaluateModel, initBackend, l2Norm, readModelWeights, setModelWeights, type NamedTensor, type TrainingSettings } from '@cloister/model-runtime';
import { trainRound, type ModelTaskSpec } from './trainRound';

const EXAMPLES = resolve(__dirname, '../../examples/heart-disease');
const SITES = ['cleveland', 'hungarian', 'switzerland', 'va'];

let cleveland: LoadedDataset;
let spec: ModelTaskSpec;
let globalWeights: NamedTensor[];

const training: TrainingSettings = {
  optimizer: 'sgd', learningRate: 0.05, loss: 'binaryCrossentropy', metrics: ['accuracy'], localEpochs: 5, batchSize: 16,
  fedProxMu: 0, clipNorm: null, noiseMultiplier: null,
};

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  // The task author fixes one scaling for all sites (here: pooled statistics of the four public files).
  const raw = SITES.map((s) => loadDataset(join(EXAMPLES, `${s}.json`)));
  const scaling = featureStatistics(raw.flatMap((d) => [d.train, d.test]));
  cleveland = loadDataset(join(EXAMPLES, 'cleveland.json'), { task: { features: raw[0]!.featureNames, scaling } });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [10], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  spec = { model: { topology: model.toJSON(null, false) as object }, training };
  globalWeights = readModelWeights(model);
  model.dispose();
});

describe('trainRound on the Cleveland hospital file', () => {
  it('lowers the local training loss and reports metrics', async () => {
    const result = await trainRound({ spec, globalWeights, dataset: cleveland, seed: 1 });
    const model = await buildModel(spec.model.topology);
    setModelWeights(model, globalWeights);
    const before = evaluateModel(model, cleveland.train, training).loss;
    setModelWeights(model, result.localWeights);
    const after = evaluateModel(model, cleveland.train, training).loss;
    model.dispose();
    expect(after).toBeLessThan(before - 0.05);
    expect(result.epochLosses).toHaveLength(5);
    expect(result.epochLosses[4]!).toBeLessThan(result.epochLosses[0]!);
    expect(result.update.numExamples).toBe(199);
    expect(result.update.metrics.numTestExamples).toBe(104);
    expect(result.update.metrics.globalTestAccuracy).toBeGreaterThanOrEqual(0);
    expect(result.update.metrics.localTestAccuracy!).toBeGreaterThan(0.6);
    expect(result.localEvaluation.loss).toBeLessThan(result.globalEvaluation.loss);
  });

  it('forms the update as local − global exactly, in model order', async () => {
    const result = await trainRound({ spec, globalWeights, dataset: cleveland, seed: 2 });
    const { deltas } = result.update;
    expect(deltas.map((d) => d.name)).toEqual(globalWeights.map((g) => g.name));
    let nonZero = 0;
    deltas.forEach((d, i) => {
      const local = result.localWeights[i]!.data;
      const global = globalWeights[i]!.data;
      expect(d.shape).toEqual(globalWeights[i]!.shape);
      for (let j = 0; j < d.data.length; j++) {
        expect(d.data[j]).toBe(Math.fround(local[j]! - global[j]!));
        if (d.data[j] !== 0) nonZero++;
      }
    });
    expect(nonZero).toBeGreaterThan(50);
  });

  it('is reproducible for a seed', async () => {
    const a = await trainRound({ spec, globalWeights, dataset: cleveland, seed: 3 });
    const b = await trainRound({ spec, globalWeights, dataset: cleveland, seed: 3 });
    a.update.deltas.forEach((d, i) => expect(Array.from(d.data)).toEqual(Array.from(b.update.deltas[i]!.data)));
  });

  it('FedProx (mu > 0) keeps the local model closer to the global one', async () => {
    const plain = await trainRound({ spec, globalWeights, dataset: cleveland, seed: 4 });
    const prox = await trainRound({ spec: { ...spec, training: { ...training, fedProxMu: 1 } }, globalWeights, dataset: cleveland, seed: 4 });
    expect(l2Norm(prox.update.deltas)).toBeLessThan(0.8 * l2Norm(plain.update.deltas));
    expect(prox.epochLosses[4]!).toBeLessThan(prox.epochLosses[0]!);
  });

  it('adds the topology\'s layer regularizers (L2 kernelRegularizer) to the training objective', async () => {
    // The same topology (same layer and weight names) with an L2 kernel regularizer on every layer.
    const topology = JSON.parse(JSON.stringify(spec.model.topology)) as {
      config: { layers: { config: Record<string, unknown> }[] };
    };
    for (const layer of topology.config.layers) {
      layer.config.kernel_regularizer = { class_name: 'L1L2', config: { l1: 0, l2: 0.5 } };
    }
    const regularizedSpec = { ...spec, model: { topology } };
    const localNorm = (deltas: NamedTensor[]) =>
      Math.sqrt(deltas.reduce((sum, d, i) => sum + d.data.reduce((s, v, j) => s + (v + globalWeights[i]!.data[j]!) ** 2, 0), 0));
    const plain = await trainRound({ spec, globalWeights, dataset: cleveland, seed: 4 });
    const shrunk = await trainRound({ spec: regularizedSpec, globalWeights, dataset: cleveland, seed: 4 });
    expect(localNorm(shrunk.update.deltas)).toBeLessThan(0.8 * localNorm(plain.update.deltas));
  });

  it('clips the update to norm C', async () => {
    const C = 0.05;
    const result = await trainRound({ spec: { ...spec, training: { ...training, clipNorm: C } }, globalWeights, dataset: cleveland, seed: 5 });
    expect(result.updateNorm).toBeGreaterThan(C);
    const norm = l2Norm(result.update.deltas);
    expect(norm).toBeLessThanOrEqual(C);
    expect(norm).toBeGreaterThan(C * 0.999);
  });

  it('adds discrete Gaussian noise of stddev noiseMultiplier·C after clipping (seeded here: simulations only)', async () => {
    const settings = { ...training, clipNorm: 0.05, noiseMultiplier: 2 };
    const run = (seed: number) => trainRound({ spec: { ...spec, training: settings }, globalWeights, dataset: cleveland, seed: 6, simulationOnlyNoiseSeed: seed });
    const clipped = await trainRound({ spec: { ...spec, training: { ...settings, noiseMultiplier: null } }, globalWeights, dataset: cleveland, seed: 6 });
    const [a, b, c] = [await run(9), await run(9), await run(10)];
    expect(Array.from(a.update.deltas[0]!.data)).toEqual(Array.from(b.update.deltas[0]!.data));
    expect(Array.from(a.update.deltas[0]!.data)).not.toEqual(Array.from(c.update.deltas[0]!.data));
    const noise: number[] = [];
    a.update.deltas.forEach((d, i) => d.data.forEach((v, j) => noise.push(v - clipped.update.deltas[i]!.data[j]!)));
    const std = Math.sqrt(noise.reduce((s, v) => s + v * v, 0) / noise.length);
    expect(std).toBeGreaterThan(0.1 * 0.8);
    expect(std).toBeLessThan(0.1 * 1.2);
  });

  it('draws the noise of a real participant (no seed) from node:crypto (faults issue item 8)', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const spy = jest.spyOn(require('node:crypto') as typeof import('node:crypto'), 'randomFillSync');
    try {
      await trainRound({ spec: { ...spec, training: { ...training, clipNorm: 0.05, noiseMultiplier: 1 } }, globalWeights, dataset: cleveland, seed: 6 });
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses global weights that do not fit the model', async () => {
    const wrong = globalWeights.map((w, i) => (i === 0 ? { ...w, shape: [5, 16], data: new Float32Array(80) } : w));
    await expect(trainRound({ spec, globalWeights: wrong, dataset: cleveland })).rejects.toMatchObject({
      code: 'CLOISTER_ERR_RUNTIME_WEIGHTS_MISMATCH',
    });
    await expect(trainRound({ spec: { ...spec, training: { ...training, loss: 'hinge' } }, globalWeights, dataset: cleveland })).rejects.toMatchObject({
      code: 'CLOISTER_ERR_RUNTIME_MODEL_INVALID',
    });
  });
});
