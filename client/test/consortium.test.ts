// Integration: a participant of a `consortium` task trains from the sealed model. Real coordinator (in-process, own
// Redis), Hardhat chain with the contracts, real tfjs on the heart-disease data. The TEE's part (model key, sealed
// model record) is played by the test's aggregator account, which the chain treats as an authorized ROFL origin; the
// aggregator package's consortium test runs the real TEE side. On Hardhat the key is readable with eth_getStorageAt
// (emulation); the participant goes through the SiweAuth view as on Sapphire.
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { RunningCoordinator } from '@cloister/coordinator';
import { decodeTensors, decodeUpdate, encodeTensors, openUpdateToBytes, ROUND_STATE, sealModel, sha256Hex, type TrainingTaskSpec } from '@cloister/protocol';
import { getAddress, hexlify, id } from 'ethers';
import {
  CLIENT_ERROR_CODES,
  CoordinatorClient,
  featureStatistics,
  initBackend,
  loadDataset,
  openConsortiumModel,
  readModelWeights,
  RoundStateStore,
  submitRound,
} from '../src';
import { until } from '@cloister/devstack';
import { createTask, govern, startClientTestStack, type ClientTestStack, type TestChain } from './support';

jest.setTimeout(180_000);

const EXAMPLES = resolve(__dirname, '../examples/heart-disease');

let stack: ClientTestStack;
let t: TestChain;
let coordinator: RunningCoordinator;
let stateDir: string;
let taskId: bigint;
let plainModel: Uint8Array;
let sealedHash: string;

beforeAll(async () => {
  stack = await startClientTestStack('consortium');
  ({ t, coordinator, stateDir } = stack);

  await initBackend({ prefer: 'wasm' });
  const data = loadDataset(join(EXAMPLES, 'cleveland.json'));
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [10], units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) })],
  });
  const spec: TrainingTaskSpec = {
    version: 2,
    kind: 'training',
    name: 'heart-disease-consortium',
    model: { topology: model.toJSON(null, false) as Record<string, unknown> },
    modelAccess: 'consortium',
    training: { optimizer: 'sgd', learningRate: 0.05, loss: 'binaryCrossentropy', metrics: ['accuracy'], localEpochs: 1, batchSize: 16, fedProxMu: 0, clipNorm: null, noiseMultiplier: null },
    data: { features: data.featureNames, scaling: featureStatistics([data.train, data.test]) },
    aggregation: { strategy: 'fedavg', params: {}, updateNormBound: 1000, dp: null },
  };
  plainModel = encodeTensors(readModelWeights(model));
  model.dispose();
  const modelSpecHash = await stack.putBlob(new TextEncoder().encode(JSON.stringify(spec)));
  // What the TEE publishes for round 0: the model sealed under the epoch-1 key, its hashes on record.
  const key = randomBytes(32);
  const sealed = await sealModel({
    modelKey: key,
    context: { chainId: 31337n, contractAddress: t.deployment.contracts.modelKeys, taskId: 1n, round: 0n, epoch: 1 },
    plaintext: plainModel,
  });
  sealedHash = await stack.putBlob(sealed);
  taskId = await createTask(t, t.participants.slice(0, 2), { modelSpecHash, initialModelHash: sealedHash, roundDuration: 600 });
  expect(taskId).toBe(1n);
  const keys = t.contracts.modelKeys.connect(t.aggregator);
  await (await keys.setModelKey(taskId, 1, hexlify(key), id('admitted set'))).wait();
  await (await keys.recordSealedModel(taskId, 0, 1, sha256Hex(plainModel), sealedHash)).wait();
  await until('round 1 open', async () => Number((await t.contracts.taskManager.getRound(taskId, 1n)).state) === ROUND_STATE.Open, 60_000);
});

afterAll(async () => {
  await stack?.stop();
});

describe('a consortium task', () => {
  it('the stored model is sealed: it does not decode as a tensor file', async () => {
    const stored = new Uint8Array(await (await fetch(`${coordinator.url}/v1/blobs/${sealedHash.slice(2)}`)).arrayBuffer());
    expect(sha256Hex(stored)).toBe(sealedHash);
    expect(() => decodeTensors(stored)).toThrow();
  });

  it('an admitted participant reads the key with a SiweAuth token, verifies the plaintext hash and trains from it', async () => {
    const p1 = t.participants[0]!;
    const result = await submitRound({
      signer: p1,
      contracts: t.contracts,
      coordinator: new CoordinatorClient({ baseUrl: coordinator.url, signer: p1 }),
      stateDir,
      taskId,
      dataset: (s) => loadDataset(join(EXAMPLES, 'cleveland.json'), { task: s.data }),
    });
    expect(result.round).toBe(1n);
    const saved = new RoundStateStore(stateDir).load({
      chainId: 31337n, taskManager: t.deployment.contracts.taskManager, taskId, round: 1n,
      openedAt: (await t.contracts.taskManager.getRound(taskId, 1n)).openedAt, participant: getAddress(p1.address),
    });
    const update = decodeUpdate(
      await openUpdateToBytes({
        recipientKeyPair: t.aggregatorKeys,
        context: { chainId: 31337n, contractAddress: t.deployment.contracts.taskManager, taskId, round: 1n, participant: getAddress(p1.address) },
        ciphertext: saved!.ciphertext,
      }),
    );
    expect(update.numExamples).toBe(199);
    // it trained: non-zero deltas with respect to the opened model
    expect(update.deltas[0]!.data.some((v) => Math.abs(v) > 1e-6)).toBe(true);
  });

  it('a participant removed from the task is refused the key (typed error) before any training', async () => {
    const p2 = t.participants[1]!;
    const registry = t.contracts.participants;
    await govern(t, await registry.getAddress(), registry.interface.encodeFunctionData('remove', [taskId, p2.address]));
    const stored = new Uint8Array(await (await fetch(`${coordinator.url}/v1/blobs/${sealedHash.slice(2)}`)).arrayBuffer());
    await expect(
      openConsortiumModel({ contracts: t.contracts, signer: p2, coordinator: new CoordinatorClient({ baseUrl: coordinator.url, signer: p2 }), taskId, stored }),
    ).rejects.toMatchObject({ code: CLIENT_ERROR_CODES.ModelKeyDenied });
  });
});
