// Real training mode end to end: the four UCI Heart Disease hospitals (one file per site, FLamby preprocessing) train
// a logistic regression with tfjs through @cloister/client's trainRound, 2 rounds on the real stack.
import { resolve } from 'node:path';
import { applyScaling, featureStatistics } from '@cloister/client';
import { decodeTensors, type TrainingTaskSpec } from '@cloister/protocol';
import pino from 'pino';
import { denseTopology, HEART_FEATURES, HEART_SITES, heartDiseaseConfig, loadSites, runSimulation, startSimulationStack, trainingSource, type SimulationResult, type SimulationStack } from '../src';

const DATA = process.env.CLOISTER_DATA_DIR ?? resolve(__dirname, '..', '..', '..', 'shared', 'data');

jest.setTimeout(180_000);

describe('runSimulation with real training (heart disease, one file per site)', () => {
  let stack: SimulationStack;
  let result: SimulationResult;

  beforeAll(async () => {
    const configs = HEART_SITES.map((site, k) => heartDiseaseConfig(site, DATA, { seed: k, trainFraction: 0.66 }));
    const datasets = loadSites(configs, { features: HEART_FEATURES });
    const scaling = featureStatistics(datasets.map((d) => d.train));
    for (const d of datasets) {
      applyScaling(d.train, scaling);
      applyScaling(d.test, scaling);
    }
    const spec: TrainingTaskSpec = {
      version: 2,
      kind: 'training',
      name: 'heart-disease-simulation',
      model: { topology: denseTopology({ inputs: HEART_FEATURES.length, outputs: 1 }) },
      training: { optimizer: 'adam', learningRate: 0.05, loss: 'binaryCrossentropy', metrics: ['accuracy'], localEpochs: 2, batchSize: 16, fedProxMu: 0, clipNorm: null, noiseMultiplier: null },
      data: { features: HEART_FEATURES, scaling },
      aggregation: { strategy: 'fedavg', params: {}, updateNormBound: 1000, dp: null },
    };
    const logger = pino({ level: 'silent' });
    stack = await startSimulationStack({ logger, participants: 4, maxUpdateBytes: 4 * 1024 * 1024, serviceLogLevel: 'silent' });
    result = await runSimulation({ participants: 4, rounds: 2, source: trainingSource({ spec, datasets }), stack, logger, concurrency: 4 });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('accepts both rounds with the four sites included and moves the model', async () => {
    const tm = stack.contracts.taskManager;
    const models: Float32Array[] = [];
    for (const r of [1n, 2n]) {
      const round = await tm.getRound(result.taskId, r);
      expect(Number(round.state)).toBe(5);
      expect(Number(round.includedCount)).toBe(4);
      const res = await fetch(`${stack.coordinatorUrl}/v1/blobs/${round.modelHash.slice(2)}`);
      const tensors = decodeTensors(new Uint8Array(await res.arrayBuffer()));
      expect(tensors.map((t) => t.name)).toEqual(['dense_1/kernel', 'dense_1/bias']);
      models.push(tensors[0]!.data);
    }
    const change = models[0]!.reduce((s, v, j) => s + Math.abs(v - models[1]![j]!), 0);
    expect(change).toBeGreaterThan(1e-4);
    expect(result.rounds.every((r) => r.included === 4)).toBe(true);
  });
});
