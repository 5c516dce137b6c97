// Integration: participants against the real coordinator (in-process, own Redis), a Hardhat chain running the
// real contracts, and a real HPKE aggregator key published on chain. Heart-disease hospital data, real tfjs.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { RunningCoordinator } from '@cloister/coordinator';
import {
  decodeUpdate,
  encodeTensors,
  openUpdateToBytes,
  ROUND_STATE,
  type TaskSpec,
  type TaskSpecV1,
} from '@cloister/protocol';
import { connectCloister, finalizeRoundInPages, siweLogin } from '@cloister/contracts';
import { ethers, getAddress, JsonRpcProvider, Wallet, type TransactionRequest } from 'ethers';
import pino from 'pino';
import {
  ChainUnavailableError,
  CoordinatorClient,
  RoundEvents,
  featureStatistics,
  initBackend,
  loadDataset,
  ParticipantNode,
  readModelWeights,
  RoundStateStore,
  submitRound,
  type SubmitRoundResult,
} from '../src';
import { buildProgram } from '../src/cli/program';
import { writeKeystore } from '../src/cli/keystore';
import { step, until } from '@cloister/devstack';
import { createTask, govern, startClientTestStack, startResettingProxy, type ClientTestStack, type ResettingProxy, type TestChain } from './support';

jest.setTimeout(180_000);

const EXAMPLES = resolve(__dirname, '../examples/heart-disease');
const SITES = ['cleveland', 'hungarian', 'va'];

let stack: ClientTestStack;
let t: TestChain;
let coordinator: RunningCoordinator;
let stateDir: string;
// A version 1 document on purpose: old specs still load in the client and the aggregator.
let spec: TaskSpecV1;
let taskId: bigint;
let specHashes: { modelSpecHash: string; initialModelHash: string };

function datasetFor(site: string) {
  return (s: TaskSpec) => loadDataset(join(EXAMPLES, `${site}.json`), { task: s.data });
}

beforeAll(async () => {
  stack = await startClientTestStack('client');
  ({ t, coordinator, stateDir } = stack);

  await initBackend({ prefer: 'wasm' });
  const raw = SITES.map((s) => loadDataset(join(EXAMPLES, `${s}.json`)));
  const scaling = featureStatistics(raw.flatMap((d) => [d.train, d.test]));
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [10], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  spec = {
    version: 1,
    name: 'heart-disease',
    model: { topology: model.toJSON(null, false) as Record<string, unknown> },
    training: { optimizer: 'sgd', learningRate: 0.05, loss: 'binaryCrossentropy', metrics: ['accuracy'], localEpochs: 2, batchSize: 16, fedProxMu: 0, clipNorm: null, noiseMultiplier: null },
    data: { features: raw[0]!.featureNames, scaling },
    aggregation: { strategy: 'fedavg', params: {}, updateNormBound: 1000, dp: null },
  };
  const modelSpecHash = await stack.putBlob(new TextEncoder().encode(JSON.stringify(spec)));
  const initialModelHash = await stack.putBlob(encodeTensors(readModelWeights(model)));
  model.dispose();
  specHashes = { modelSpecHash, initialModelHash };
  // A day: task 2's test moves the chain's clock to its own deadline (600 s), which must not close task 1's round.
  taskId = await createTask(t, t.participants, { modelSpecHash, initialModelHash, roundDuration: 86_400 });
  await until('round 1 open', async () => {
    const r = await t.contracts.taskManager.getRound(taskId, 1n);
    return Number(r.state) === ROUND_STATE.Open;
  }, 60_000);
});

afterAll(async () => {
  await stack?.stop();
});

async function commitsBy(address: string): Promise<number> {
  const tm = t.contracts.taskManager;
  const logs = await tm.queryFilter(tm.filters.UpdateCommitted(taskId, 1n, address));
  return logs.length;
}

describe('participant rounds against the coordinator and the chain', () => {
  const firstJoined = step(async () => {
    const p1 = t.participants[0]!;
    const node = new ParticipantNode({
      signer: p1,
      deployment: t.deployment,
      coordinatorUrl: coordinator.url,
      taskId,
      dataset: datasetFor('cleveland'),
      stateDir,
      pollIntervalMs: 1000,
    });
    const submitted = new Promise<SubmitRoundResult>((res, rej) => {
      node.once('submitted', res);
      node.once('error', rej);
    });
    node.start();
    const result = await submitted;
    await node.stop();

    expect(result.round).toBe(1n);
    expect(result.numExamples).toBe(199);
    expect(result.metrics?.numTestExamples).toBe(104);
    expect(await t.contracts.taskManager.commitmentOf(taskId, 1n, p1.address)).toBe(result.ciphertextHash);
    // Only the aggregator's key opens it, bound to this task, round and participant.
    const stored = new RoundStateStore(stateDir).load({
      chainId: 31337n, taskManager: t.deployment.contracts.taskManager, taskId, round: 1n,
      openedAt: (await t.contracts.taskManager.getRound(taskId, 1n)).openedAt, participant: getAddress(p1.address),
    });
    expect(stored?.record.status).toBe('uploaded');
    const plaintext = await openUpdateToBytes({
      recipientKeyPair: t.aggregatorKeys,
      context: { chainId: 31337n, contractAddress: t.deployment.contracts.taskManager, taskId, round: 1n, participant: getAddress(p1.address) },
      ciphertext: stored!.ciphertext,
    });
    const update = decodeUpdate(plaintext);
    expect(update.numExamples).toBe(199);
    expect(update.deltas.map((d) => d.name)).toEqual(['dense_Dense1/kernel', 'dense_Dense1/bias', 'dense_Dense2/kernel', 'dense_Dense2/bias']);
    expect(update.metrics.globalTestAccuracy).toBeGreaterThanOrEqual(0);
    const view = (await (await fetch(`${coordinator.url}/v1/tasks/${taskId}/rounds/1`)).json()) as { committedCount: number };
    expect(view.committedCount).toBeGreaterThanOrEqual(1);
  });
  it('a ParticipantNode joins the open round: verified model, sealed to the on-chain key, committed, uploaded', () => firstJoined());

  it('a crash after the commit resumes with the same bytes: no retraining, no second commit', async () => {
    const p2 = t.participants[1]!;
    class CrashBeforeUpload extends CoordinatorClient {
      override async putUpdate(): Promise<never> {
        throw new Error('simulated crash before upload');
      }
    }
    const base = { signer: p2, contracts: t.contracts, stateDir, taskId, dataset: datasetFor('hungarian') };
    await expect(submitRound({ ...base, coordinator: new CrashBeforeUpload({ baseUrl: coordinator.url }) })).rejects.toThrow('simulated crash');
    const committed = await t.contracts.taskManager.commitmentOf(taskId, 1n, p2.address);
    expect(committed).toMatch(/^0x[0-9a-f]{64}$/);

    const resumed = await submitRound({ ...base, coordinator: new CoordinatorClient({ baseUrl: coordinator.url, signer: p2 }) });
    expect(resumed).toMatchObject({ resumed: true, ciphertextHash: committed, duplicate: false, numExamples: 172 });
    expect(resumed.metrics).toBeUndefined(); // nothing was trained again
    expect(await commitsBy(p2.address)).toBe(1);

    const again = await submitRound({ ...base, coordinator: new CoordinatorClient({ baseUrl: coordinator.url, signer: p2 }) });
    expect(again).toMatchObject({ resumed: true, ciphertextHash: committed });
    expect(await commitsBy(p2.address)).toBe(1);
  });

  it('a crash between sealing and the commit transaction commits the saved hash on restart', async () => {
    const p3 = t.participants[2]!;
    class CrashOnSend extends Wallet {
      override async sendTransaction(_tx: TransactionRequest): Promise<never> {
        throw new Error('simulated crash before commit');
      }
    }
    const crashing = new CrashOnSend(p3.privateKey, t.provider);
    const coordinatorClient = new CoordinatorClient({ baseUrl: coordinator.url, signer: p3 });
    const base = { contracts: t.contracts, stateDir, taskId, dataset: datasetFor('va'), coordinator: coordinatorClient };
    await expect(submitRound({ ...base, signer: crashing })).rejects.toThrow('simulated crash before commit');
    expect(await commitsBy(p3.address)).toBe(0);
    const resumed = await submitRound({ ...base, signer: p3 });
    expect(resumed).toMatchObject({ resumed: true, numExamples: 85 });
    expect(await t.contracts.taskManager.commitmentOf(taskId, 1n, p3.address)).toBe(resumed.ciphertextHash);
    expect(await commitsBy(p3.address)).toBe(1);
  });

  it('cloister-client status and scores read the chain for this account', async () => {
    await firstJoined(); // the account has committed in round 1
    const p1 = t.participants[0]!;
    const keystore = join(stateDir, 'p1.keystore.json');
    await writeKeystore(keystore, p1, 'pw', { scryptN: 1024 });
    const deploymentFile = join(stateDir, 'deployment.json');
    writeFileSync(deploymentFile, JSON.stringify(t.deployment));
    const env = {
      CLOISTER_PASSPHRASE: 'pw', CLOISTER_KEYSTORE: keystore, CLOISTER_DEPLOYMENT: deploymentFile,
      CLOISTER_RPC_URL: t.chain.rpcUrl, CLOISTER_COORDINATOR_URL: coordinator.url, CLOISTER_STATE_DIR: stateDir,
    };
    const lines: string[] = [];
    await buildProgram({ out: (l) => lines.push(l), env }).parseAsync(['node', 'cloister-client', 'status', '--task', String(taskId)]);
    const status = Object.fromEntries(lines.map((l) => [l.slice(0, 24).trim(), l.slice(25)]));
    expect(status).toMatchObject({
      account: p1.address, admitted: 'true', currentRound: '1', roundState: 'Open',
      committed: await t.contracts.taskManager.commitmentOf(taskId, 1n, p1.address), aggregatorKeyPublished: 'true',
      coordinator: `reachable at ${coordinator.url}`,
    });
    lines.length = 0;
    await buildProgram({ out: (l) => lines.push(l), env }).parseAsync(['node', 'cloister-client', 'scores', '--task', String(taskId)]);
    // Pending is the account's across tasks: task 2's round may have paid it already (the tests run in any order).
    const pending = await t.contracts.rewardVault.pendingRewardOf(await siweLogin(p1, t.contracts.rewardVault));
    expect(lines).toEqual(['no scored rounds yet', `pending: ${ethers.formatEther(pending)}`]);
  });

  it('an account that is not admitted is told so before training', async () => {
    await expect(
      submitRound({
        signer: t.outsider,
        contracts: t.contracts,
        coordinator: new CoordinatorClient({ baseUrl: coordinator.url, signer: t.outsider }),
        stateDir,
        taskId,
        dataset: datasetFor('va'),
      }),
    ).rejects.toMatchObject({ code: 'CLOISTER_ERR_CLIENT_NOT_ADMITTED' });
  });
});

// Task 2 moves the chain's clock to its own deadline; task 1's round lasts a day, so they run in either order.
describe('transient network failures and round events (task 2)', () => {
  let task2: bigint;
  let events: RoundEvents;
  const signals: string[] = [];
  const warnings: string[] = [];
  const proxies: ResettingProxy[] = [];
  const providers: JsonRpcProvider[] = [];

  beforeAll(async () => {
    // The client's own subscription, started before the task exists; it records what it accepts and what it drops.
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(String(JSON.parse(line).msg)) });
    task2 = (await t.contracts.taskManager.taskCount()) + 1n;
    events = new RoundEvents({ coordinatorUrl: coordinator.url, taskId: task2, pollIntervalMs: 0, logger, onSignal: (e) => e && signals.push(e.event!) });
    events.start();
    await until('socket connected', async () => events.connected, 10_000);
    expect(await createTask(t, t.participants, { ...specHashes, roundDuration: 600, minParticipants: 1 })).toBe(task2);
    await until('task 2 round 1 open', async () => Number((await t.contracts.taskManager.getRound(task2, 1n)).state) === ROUND_STATE.Open, 60_000);
  });

  afterAll(async () => {
    events?.stop();
    for (const p of providers) p.destroy();
    await Promise.all(proxies.map((p) => p.close()));
  });

  async function viaProxies(index: number, rpcResets: number, coordinatorResets: number) {
    const rpc = await startResettingProxy(t.chain.rpcUrl, rpcResets);
    const coord = await startResettingProxy(coordinator.url, coordinatorResets);
    proxies.push(rpc, coord);
    const provider = new JsonRpcProvider(rpc.url, 31337, { staticNetwork: true });
    providers.push(provider);
    const signer = new Wallet(t.participants[index]!.privateKey, provider);
    const retry = { baseDelayMs: 20, maxDelayMs: 200 };
    return { rpc, coord, signer, retry, contracts: connectCloister(t.deployment, provider), coordinator: new CoordinatorClient({ baseUrl: coord.url, signer, retry }) };
  }

  const firstThroughProxies = step(async () => {
    const v = await viaProxies(0, 3, 2);
    let trainings = 0;
    const result = await submitRound({
      signer: v.signer, contracts: v.contracts, coordinator: v.coordinator, stateDir, taskId: task2, retry: v.retry,
      dataset: (s) => {
        trainings++;
        return datasetFor('cleveland')(s);
      },
    });
    expect([v.rpc.resets, v.coord.resets]).toEqual([3, 2]);
    expect(trainings).toBe(1);
    expect(result).toMatchObject({ resumed: false, round: 1n, numExamples: 199 });
    expect(await t.contracts.taskManager.commitmentOf(task2, 1n, v.signer.address)).toBe(result.ciphertextHash);
    const committed = await t.contracts.taskManager.queryFilter(t.contracts.taskManager.filters.UpdateCommitted(task2, 1n, v.signer.address));
    expect(committed).toHaveLength(1);
  });
  it('retries reset connections (RPC and coordinator) at the step that failed: one training, one commit, uploaded', () => firstThroughProxies());

  const secondResumed = step(async () => {
    const v = await viaProxies(1, 0, 0);
    let trainings = 0;
    const options = {
      signer: v.signer, contracts: v.contracts, coordinator: v.coordinator, stateDir, taskId: task2, retry: { ...v.retry, attempts: 3 },
      dataset: (s: TaskSpec) => {
        trainings++;
        v.rpc.setMode('reset'); // from here on (training, sealing, then the commit) the RPC node resets every connection
        return datasetFor('hungarian')(s);
      },
    };
    const failure = await submitRound(options).then(() => null, (e: unknown) => e);
    expect(failure).toBeInstanceOf(ChainUnavailableError);
    expect(failure).toMatchObject({ code: 'CLOISTER_ERR_CLIENT_CHAIN_UNAVAILABLE', details: { step: 'commit', attempts: 3, code: 'ECONNRESET' } });
    expect(v.rpc.resets).toBeGreaterThanOrEqual(3);
    const key = { chainId: 31337n, taskManager: t.deployment.contracts.taskManager, taskId: task2, round: 1n, openedAt: (await t.contracts.taskManager.getRound(task2, 1n)).openedAt, participant: getAddress(v.signer.address) };
    expect(new RoundStateStore(stateDir).load(key)?.record.status).toBe('sealed');

    v.rpc.setMode('pass');
    const resumed = await submitRound(options);
    expect(trainings).toBe(1);
    expect(resumed).toMatchObject({ resumed: true, numExamples: 172 });
    expect(resumed.metrics).toBeUndefined();
    expect(await t.contracts.taskManager.commitmentOf(task2, 1n, v.signer.address)).toBe(resumed.ciphertextHash);
    expect(new RoundStateStore(stateDir).load(key)?.record.status).toBe('uploaded');
  });
  it('gives up with ChainUnavailableError after the bound, keeps the sealed update, and resumes without retraining', () => secondResumed());

  it("the client's subscription accepts the coordinator's events: opened, closed, finalized, accepted (no fallback)", async () => {
    // The first two participants' submissions happen before the round closes (steps: once, whichever test runs first).
    await firstThroughProxies();
    await secondResumed();
    const tm = t.contracts.taskManager;
    await govern(t, await tm.getAddress(), tm.interface.encodeFunctionData('setChallengeWindow', [3n]));
    // Move the chain to 5 s before the deadline; the third participant's commit makes the coordinator look again.
    const round = await tm.getRound(task2, 1n);
    const head = (await t.provider.getBlock('latest'))!.timestamp;
    await t.provider.send('evm_increaseTime', [Number(round.deadline) - head - 5]);
    await (await tm.connect(t.participants[2]!).commit(task2, 1n, ethers.id('never uploaded'))).wait();
    await until('round closed', async () => Number((await tm.getRound(task2, 1n)).state) === ROUND_STATE.Closed, 40_000);
    const aggregator = t.aggregatorWallet;
    const [p1, p2, p3] = t.participants.map((w) => w.address) as [string, string, string];
    const hash = ethers.id('task-2-model-1');
    await finalizeRoundInPages(tm.connect(aggregator), { taskId: task2, round: 1n, modelHash: hash, modelUri: `blobs/${hash.slice(2)}`, metricsHash: ethers.id('m'), included: [p1, p2], scores: [500_000, 500_000], excluded: [p3], reasons: [1] });
    await until('round accepted', async () => Number((await tm.getRound(task2, 1n)).state) === ROUND_STATE.Accepted, 40_000);
    await until('round 2 announced', async () => signals.filter((e) => e === 'round:opened').length >= 2, 20_000);
    for (const name of ['round:opened', 'round:closing', 'round:closed', 'round:finalized', 'model:available', 'round:accepted', 'task:status']) {
      expect([name, signals.includes(name)]).toEqual([name, true]);
    }
    expect(warnings.filter((w) => /malformed or foreign/.test(w))).toEqual([]);
  });
});
