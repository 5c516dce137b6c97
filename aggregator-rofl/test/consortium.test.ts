// Model access `consortium` end to end: Hardhat chain with the contracts, redis-server, development appd (NOT a TEE),
// the aggregator (BullMQ job, model keyring, initial-model re-sealer, inference endpoint), a coordinator test double.
// On Hardhat the ModelKeyRegistry's storage is readable with eth_getStorageAt (emulation: confidential on Sapphire);
// these tests exercise the SiweAuth view path.
import * as tf from '@tensorflow/tfjs';
import {
  decodeTensors,
  DEFAULT_TRAINING,
  encodeTensors,
  encodeUpdate,
  initialModelEnvelopeContext,
  isSealedModel,
  JOB,
  openModel,
  QUEUE,
  readSealedModelHeader,
  ROUND_STATE,
  sealUpdateToBytes,
  sha256Hex,
  signUpdateDigest,
  type AggregationJob,
  type NamedTensor,
} from '@cloister/protocol';
import { siweLogin } from '@cloister/contracts';
import { createTestTask, governAlone, type TestDeployment } from '@cloister/contracts/development';
import { step } from '@cloister/devstack';
import { Queue } from 'bullmq';
import { getBytes, type Wallet } from 'ethers';
import pino from 'pino';
import { initInferenceBackend } from '../src/inference/modelRuntime';
import { startAggregator, type RunningAggregator } from '../src/jobs/startAggregator';
import { query } from './inferenceClient';
import { startTestServices, testInferenceConfig, updateKey, weightsOf, type CoordinatorDouble, type TestServices } from './support';

jest.setTimeout(300_000);

describe('model access consortium (chain, redis-server, development appd, aggregator)', () => {
  let services: TestServices;
  let t: TestDeployment;
  let coordinator: CoordinatorDouble;
  let running: RunningAggregator | null = null;
  let queue: Queue;
  let taskId: bigint;
  let chainId: bigint;
  let model: tf.Sequential;
  let initial: NamedTensor[];
  let sites: Wallet[];
  let outsider: Wallet;
  const prefix = `consortium-test-${process.pid}`;
  const log = pino({ level: 'silent' });

  const keys = () => t.contracts.modelKeys;

  async function submit(site: Wallet, round: bigint, delta: number) {
    const deltas = initial.map((w) => ({ ...w, data: new Float32Array(w.data.length).fill(delta) }));
    const ciphertext = await sealUpdateToBytes({
      recipientPublicKey: getBytes(await t.contracts.aggregatorRegistry.hpkePublicKey()),
      context: { chainId, contractAddress: t.deployment.contracts.taskManager, taskId, round, participant: site.address },
      plaintext: encodeUpdate({ deltas, numExamples: 10, metrics: { loss: 0.5 } }),
    });
    const ciphertextHash = sha256Hex(ciphertext);
    const signature = await signUpdateDigest(site, { chainId, contractAddress: t.deployment.contracts.taskManager, taskId, round, ciphertextHash });
    await (await t.contracts.taskManager.connect(site).commit(taskId, round, ciphertextHash)).wait();
    coordinator.updates.set(updateKey(taskId, round, site.address), { ciphertext, signature });
  }

  async function runRound(committers: Wallet[], delta: number): Promise<bigint> {
    await (await t.contracts.taskManager.connect(t.operator).openRound(taskId)).wait();
    const round = await t.contracts.taskManager.currentRound(taskId);
    for (const site of committers) await submit(site, round, delta);
    await t.provider.send('evm_increaseTime', [3601]);
    await (await t.contracts.taskManager.connect(t.operator).closeRound(taskId, round)).wait();
    const r = await t.contracts.taskManager.getRound(taskId, round);
    const job: AggregationJob = { taskId: taskId.toString(), round: Number(round), chainId: chainId.toString(), taskManager: t.deployment.contracts.taskManager, updates: [] };
    await queue.add(JOB.aggregateRound, job, { jobId: `aggregate-${taskId}-${round}-${r.openedAt}`, attempts: 3, backoff: { type: 'fixed', delay: 500 } });
    const end = Date.now() + 120_000;
    while (Number((await t.contracts.taskManager.getRound(taskId, round)).state) !== ROUND_STATE.Finalized) {
      if (Date.now() > end) throw new Error(`round ${round} was not finalized in time`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return round;
  }

  async function accept(round: bigint) {
    await t.provider.send('evm_increaseTime', [61]);
    await (await t.contracts.taskManager.connect(t.operator).acceptRound(taskId, round)).wait();
  }

  /** What an admitted participant does: key by SiweAuth token, open, check the plaintext hash on record. */
  async function openAs(who: Wallet, stored: Uint8Array): Promise<NamedTensor[]> {
    const { round, epoch } = readSealedModelHeader(stored);
    const record = await keys().sealedModel(taskId, round);
    expect(record.ciphertextHash).toBe(sha256Hex(stored));
    const key = await keys().modelKey(await siweLogin(who, keys()), taskId, epoch);
    const plaintext = await openModel({
      modelKey: getBytes(key),
      context: { chainId, contractAddress: t.deployment.contracts.modelKeys, taskId, round, epoch },
      ciphertext: stored,
    });
    expect(sha256Hex(plaintext)).toBe(record.plaintextHash);
    return decodeTensors(plaintext);
  }

  const blob = (hash: string) => new Uint8Array(coordinator.blobs.get(hash.slice(2))!);

  // The task's life as steps (each runs once, for the first test that needs it): the author's model re-sealed, a
  // round by two sites accepted, a site removed and a round without it. Each test awaits what it builds on.
  const resealed = step(async () => ({ first: await running!.resealer!.resealPending(), second: await running!.resealer!.resealPending() }));
  const firstRound = step(async () => {
    await resealed();
    const round = await runRound([sites[0]!, sites[1]!], 0.5);
    const stored = blob((await t.contracts.taskManager.getRound(taskId, round)).modelHash);
    // Opened by the second site now: after the removal step it can no longer read the key.
    const openedBySecondSite = await openAs(sites[1]!, stored);
    await accept(round);
    // the scores were recorded for inference revenue and count once the round is accepted
    await (await t.contracts.inferenceCredit.activateContributions(taskId, round)).wait();
    return { round, stored, openedBySecondSite, totalWeight: await t.contracts.inferenceCredit.totalWeight(taskId) };
  });
  const afterRemoval = step(async () => {
    await firstRound();
    const removed = sites[1]!;
    const registry = t.contracts.participants;
    await governAlone(t, await registry.getAddress(), registry.interface.encodeFunctionData('remove', [taskId, removed.address]));
    const round = await runRound([sites[0]!], -0.25);
    return { removed, round, stored: blob((await t.contracts.taskManager.getRound(taskId, round)).modelHash) };
  });

  beforeAll(async () => {
    services = await startTestServices({ name: 'agg-consortium', secretByte: 3, logger: log, deployment: { challengeWindow: 60 } });
    ({ t, coordinator } = services);
    chainId = BigInt(t.chain.chainId);
    sites = [t.wallet(4), t.wallet(5), t.wallet(6)];
    outsider = t.wallet(9);
    const config = services.aggregatorConfig(prefix, {
      lockDurationMs: 5000,
      stalledIntervalMs: 2000,
      openInWorker: false,
      modelKeysAddress: t.deployment.contracts.modelKeys,
      participantsAddress: t.deployment.contracts.participants,
      inferenceCreditAddress: t.deployment.contracts.inferenceCredit,
      resealIntervalMs: 3_600_000, // the test calls resealPending itself
      inference: testInferenceConfig(t.deployment.contracts.inferenceCredit, { rateLimit: 100, maxRows: 64 }),
    });
    running = await startAggregator(config, { logger: log });
    queue = new Queue(QUEUE.aggregation, { connection: { url: services.redis.url }, prefix });

    // The author: a model, its spec with modelAccess consortium, the initial weights sealed with HPKE to the TEE.
    await initInferenceBackend();
    model = tf.sequential({ name: 'consortium_model' });
    model.add(tf.layers.dense({ name: 'dense', units: 3, activation: 'softmax', inputShape: [4], kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
    initial = weightsOf(model);
    const spec = {
      version: 2,
      kind: 'training',
      name: 'consortium',
      model: { topology: model.toJSON(null, false) },
      modelAccess: 'consortium',
      training: { ...DEFAULT_TRAINING, loss: 'categoricalCrossentropy' },
      data: { features: ['a', 'b', 'c', 'd'], scaling: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] } },
      aggregation: { strategy: 'fedavg', params: {}, updateNormBound: 100, dp: null },
    };
    const specBytes = Buffer.from(JSON.stringify(spec));
    const sealedInitial = await sealUpdateToBytes({
      recipientPublicKey: getBytes(await t.contracts.aggregatorRegistry.hpkePublicKey()),
      context: initialModelEnvelopeContext(chainId, t.deployment.contracts.modelKeys),
      plaintext: encodeTensors(initial),
    });
    coordinator.blobs.set(sha256Hex(specBytes).slice(2), specBytes);
    coordinator.blobs.set(sha256Hex(sealedInitial).slice(2), Buffer.from(sealedInitial));
    taskId = await createTestTask(t, sites, {
      roundDuration: 3600,
      minParticipants: 1,
      numRounds: 3,
      modelSpecHash: sha256Hex(specBytes),
      initialModelHash: sha256Hex(sealedInitial),
      initialModelUri: `blobs/${sha256Hex(sealedInitial).slice(2)}`,
    });
  });

  afterAll(async () => {
    await running?.close({ force: true });
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    model?.dispose();
    await services?.stop();
  });

  it('re-seals the author initial model under the task key; an admitted site opens it, the operator and an outsider cannot read the key', async () => {
    expect(await resealed()).toEqual({ first: 1, second: 0 });
    const record = await keys().sealedModel(taskId, 0);
    expect(record.epoch).toBe(1n);
    const stored = blob(record.ciphertextHash);
    expect(isSealedModel(stored)).toBe(true);
    const opened = await openAs(sites[0]!, stored);
    expect(Array.from(opened[0]!.data)).toEqual(Array.from(initial[0]!.data));
    for (const who of [t.operator, outsider]) {
      const token = await siweLogin(who, keys());
      await expect(keys().modelKey(token, taskId, 1)).rejects.toMatchObject({ revert: { name: 'ModelKeyRegistryNotAuthorized' } });
    }
    // a governance member reads it
    await expect(keys().modelKey(await siweLogin(t.member, keys()), taskId, 1)).resolves.toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('rounds publish sealed models only: no stored blob decodes as a tensor file; admitted sites open and verify them', async () => {
    const { stored, openedBySecondSite, totalWeight } = await firstRound();
    expect(isSealedModel(stored)).toBe(true);
    for (const bytes of coordinator.blobs.values()) {
      let decodes = true;
      try {
        decodeTensors(new Uint8Array(bytes));
      } catch {
        decodes = false;
      }
      if (decodes) throw new Error('a stored blob decodes as a tensor file');
    }
    for (const [k, w] of openedBySecondSite.entries()) {
      for (let j = 0; j < w.data.length; j++) expect(w.data[j]).toBeCloseTo(initial[k]!.data[j]! + 0.5, 5);
    }
    expect(totalWeight).toBe(1_000_000n);
  });

  it('after a removal a new key epoch starts and the removed site cannot open later models', async () => {
    const { removed, round, stored } = await afterRemoval();
    expect(readSealedModelHeader(stored).epoch).toBe(2);
    expect(await keys().currentEpoch(taskId)).toBe(2n);
    const token = await siweLogin(removed, keys());
    for (const epoch of [1, 2]) {
      await expect(keys().modelKey(token, taskId, epoch)).rejects.toMatchObject({ revert: { name: 'ModelKeyRegistryNotAuthorized' } });
    }
    // the key of epoch 1 (which the removed site may have kept) does not open the epoch-2 model
    const oldKey = await keys().modelKey(await siweLogin(sites[0]!, keys()), taskId, 1);
    await expect(
      openModel({ modelKey: getBytes(oldKey), context: { chainId, contractAddress: t.deployment.contracts.modelKeys, taskId, round, epoch: 2 }, ciphertext: stored }),
    ).rejects.toMatchObject({ code: 'CLOISTER_ERR_ENVELOPE_WRONG_KEY' });
    const opened = await openAs(sites[0]!, stored);
    expect(opened[0]!.data[0]).toBeCloseTo(initial[0]!.data[0]! + 0.25, 5);
  });

  it('confidential inference serves the accepted consortium model (opened only inside the TEE)', async () => {
    await firstRound(); // an accepted model (the removal step's round, if it ran, is not accepted)
    const input = { name: 'input', shape: [5, 4], data: Float32Array.from({ length: 20 }, (_, i) => Math.cos(i)) };
    const accepted = await openAs(sites[0]!, blob((await t.contracts.taskManager.getTask(taskId)).currentModelHash));
    model.setWeights(accepted.map((w) => tf.tensor(w.data, w.shape)));
    const expected = tf.tidy(() => (model.predict(tf.tensor(input.data, input.shape)) as tf.Tensor).dataSync() as Float32Array);
    const result = await query({
      url: running!.inference!.url,
      chainId,
      inferenceCredit: t.deployment.contracts.inferenceCredit,
      aggregatorPublicKey: getBytes(await t.contracts.aggregatorRegistry.hpkePublicKey()),
      taskId,
      querier: outsider,
      input,
    });
    expect(result.status).toBe(200); // price 0: free, still metered
    for (let i = 0; i < expected.length; i++) expect(Math.abs(result.output!.data[i]! - expected[i]!)).toBeLessThanOrEqual(1e-6);
  });
});
