import { connectJsonRpc } from '@cloister/contracts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  decodeTensors,
  DEFAULT_TRAINING,
  encodeTensors,
  encodeUpdate,
  EXCLUSION_REASON,
  JOB,
  QUEUE,
  ROUND_FAILURE_REASON,
  ROUND_STATE,
  sealUpdateToBytes,
  sealValidationSet,
  sha256Hex,
  signUpdateDigest,
  type AggregationJob,
  type NamedTensor,
} from '@cloister/protocol';
import {
  connectCloister,
  deployCloister,
  type CloisterContracts,
  type Deployment,
} from '@cloister/contracts';
import { EXAMPLE_ROFL_APP_ID as APP_ID, startLocalChain, type LocalChain } from '@cloister/contracts/development';
import { Queue } from 'bullmq';
import { getBytes, JsonRpcProvider, type JsonRpcSigner } from 'ethers';
import pino from 'pino';
import type { DevelopmentAppd } from '@cloister/development-appd';
import { startAggregator, type RunningAggregator } from '../src/jobs/startAggregator';
import type { AggregatorConfig } from '../src/config';
import { spawnRedis, until, type SpawnedRedis } from '@cloister/devstack';
import { startCoordinatorDouble, startTestAppd, stopTestServices, testAggregatorConfig, updateKey, type CoordinatorDouble } from './support';

jest.setTimeout(240_000);

const SHAPES: [string, number[]][] = [
  ['dense_Dense1/kernel', [4, 3]],
  ['dense_Dense1/bias', [3]],
];
const SIZE = 15;

function tensors(values: (i: number) => number, shapes = SHAPES): NamedTensor[] {
  let k = 0;
  return shapes.map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let j = 0; j < n; j += 1) data[j] = values(k++);
    return { name, shape, data };
  });
}

const flat = (ts: NamedTensor[]) => Float32Array.from(ts.flatMap((t) => Array.from(t.data)));

describe('aggregator end to end (redis-server, Hardhat chain + contracts, development appd, coordinator test double)', () => {
  let dir: string;
  let redis: SpawnedRedis;
  let chain: LocalChain;
  let provider: JsonRpcProvider;
  let deployment: Deployment;
  let c: CloisterContracts;
  let appd: DevelopmentAppd;
  let coordinator: CoordinatorDouble;
  let queue: Queue;
  let config: AggregatorConfig;
  let running: RunningAggregator | null = null;
  let accounts: JsonRpcSigner[];
  let chainId: bigint;
  const taskId = 1n;
  const defaultTask = taskId;
  const TASK_REWARD = 10n ** 15n;
  let spec: Record<string, unknown>;
  /** Every line the aggregator logs (JSON), for the takeover and failure logs. */
  const logLines: string[] = [];
  let initialModel: NamedTensor[];
  const prefix = `agg-test-${process.pid}`;
  const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });

  async function mine(seconds: number) {
    await provider.send('evm_increaseTime', [seconds]);
    await provider.send('evm_mine', []);
  }

  async function pass(target: string, data: string, value = 0n) {
    const gov = c.governance.connect(accounts[0]!);
    await (await gov.propose(target, value, data, 'test', { value })).wait();
    const id = await gov.proposalCount();
    await (await gov.vote(id, true)).wait();
    await (await gov.execute(id)).wait();
  }

  async function submit(
    signer: JsonRpcSigner,
    round: bigint,
    update: { deltas: NamedTensor[]; numExamples: number },
    tweak: { sealRound?: bigint; tamperAfterCommit?: boolean; task?: bigint; skipUpload?: boolean } = {},
  ) {
    const taskId = tweak.task ?? defaultTask;
    const participant = await signer.getAddress();
    const recipientPublicKey = getBytes(await c.aggregatorRegistry.hpkePublicKey());
    const ciphertext = await sealUpdateToBytes({
      recipientPublicKey,
      context: { chainId, contractAddress: deployment.contracts.taskManager, taskId, round: tweak.sealRound ?? round, participant },
      plaintext: encodeUpdate({ ...update, metrics: { loss: 0.5 } }),
      chunkSize: 64,
    });
    const ciphertextHash = sha256Hex(ciphertext);
    const signature = await signUpdateDigest(signer, {
      chainId,
      contractAddress: deployment.contracts.taskManager,
      taskId,
      round,
      ciphertextHash,
    });
    await (await c.taskManager.connect(signer).commit(taskId, round, ciphertextHash)).wait();
    const stored = Uint8Array.from(ciphertext);
    if (tweak.tamperAfterCommit) stored[stored.length - 5]! ^= 0xff;
    if (tweak.skipUpload) return participant;
    coordinator.updates.set(updateKey(taskId, round, participant), { ciphertext: stored, signature });
    return participant;
  }

  async function closeRound(round: bigint, taskId = defaultTask) {
    await mine(3601);
    await (await c.taskManager.connect(accounts[0]!).closeRound(taskId, round)).wait();
  }

  async function enqueue(round: bigint, taskId = defaultTask): Promise<string> {
    const r = await c.taskManager.getRound(taskId, round);
    const payload: AggregationJob = {
      taskId: taskId.toString(),
      round: Number(round),
      chainId: chainId.toString(),
      taskManager: deployment.contracts.taskManager,
      updates: [],
    };
    const jobId = `aggregate-${taskId}-${round}-${r.openedAt}`;
    await queue.add(JOB.aggregateRound, payload, { jobId, attempts: 3, backoff: { type: 'fixed', delay: 500 } });
    return jobId;
  }

  /** Waits for a job to complete (not fail) and returns its result. */
  async function completed(jobId: string, timeoutMs = 90_000): Promise<unknown> {
    return until(`job ${jobId} completed`, async () => {
      // The state first, then the job: a job read before it completed carries no return value even when the state
      // read just after it already says 'completed' (seen on a loaded machine).
      const state = await queue.getJobState(jobId);
      if (state !== 'completed' && state !== 'failed') return null;
      const job = (await queue.getJob(jobId))!;
      if (state === 'failed') throw new Error(`job ${jobId} failed: ${job.failedReason}`);
      return { value: job.returnvalue as unknown };
    }, timeoutMs, 200).then((r) => r.value);
  }

  /** Creates a task through governance with this spec (funded for `numRounds`) and admits `admitted`; returns its id. */
  async function createTask(specBytes: Buffer, admitted: string[], minParticipants: number, maxParticipants: number, numRounds = 1): Promise<bigint> {
    const modelBytes = encodeTensors(initialModel);
    coordinator.blobs.set(sha256Hex(specBytes).slice(2), specBytes);
    await pass(
      deployment.contracts.taskManager,
      c.taskManager.interface.encodeFunctionData('createTask', [
        {
          modelSpecHash: sha256Hex(specBytes),
          initialModelHash: sha256Hex(modelBytes),
          initialModelUri: `blobs/${sha256Hex(modelBytes).slice(2)}`,
          dataSchemaHash: sha256Hex(Buffer.from('schema')),
          minParticipants,
          maxParticipants,
          roundDuration: 3600,
          numRounds,
          rewardPerRound: TASK_REWARD,
        },
      ]),
      TASK_REWARD * BigInt(numRounds),
    );
    const id = await c.taskManager.taskCount();
    await pass(
      deployment.contracts.participants,
      c.participants.interface.encodeFunctionData('admitMany', [id, admitted, admitted.map((_, i) => `site-${i}`), admitted.map(() => '')]),
    );
    return id;
  }

  async function waitFinalized(round: bigint, taskId = defaultTask, timeoutMs = 90_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const r = await c.taskManager.getRound(taskId, round);
      if (Number(r.state) === ROUND_STATE.Finalized) return r;
      if (Date.now() > end) throw new Error(`round ${round} not finalized in time (state ${r.state})`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  async function outcome(round: bigint, account: string, taskId = defaultTask) {
    return c.taskManager.outcomeOf.staticCall(taskId, round, account, { from: deployment.contracts.rewardVault });
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'agg-it-'));
    redis = await spawnRedis();
    chain = await startLocalChain();
    provider = connectJsonRpc(chain.rpcUrl, { pollingInterval: 100 });
    chainId = BigInt(chain.chainId);
    accounts = await Promise.all(Array.from({ length: 20 }, (_, i) => provider.getSigner(i)));
    const admin = await accounts[0]!.getAddress();
    deployment = await deployCloister({
      deployer: accounts[0]!,
      members: [admin],
      quorum: 1,
      votingPeriod: 3600,
      challengeWindow: 60,
      operator: admin,
      roflAppId: APP_ID,
    });
    c = connectCloister(deployment, provider);

    appd = await startTestAppd({ dir, rpcUrl: chain.rpcUrl, provider, secretByte: 9, logger: log });

    coordinator = await startCoordinatorDouble(() => c.aggregatorRegistry.aggregatorSigner());
    initialModel = tensors((i) => (i % 5) * 0.1 - 0.2);
    const modelBytes = encodeTensors(initialModel);
    spec = {
      version: 1,
      name: 'integration',
      model: { topology: { class_name: 'Sequential' } },
      training: DEFAULT_TRAINING,
      data: { features: ['a', 'b', 'c', 'd'], scaling: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] } },
      aggregation: { strategy: 'fedavg', params: {}, updateNormBound: 10, dp: null },
    };
    coordinator.blobs.set(sha256Hex(modelBytes).slice(2), Buffer.from(modelBytes));
    const participants = await Promise.all(accounts.slice(1, 10).map((a) => a.getAddress()));
    // The first task: `taskId` of the tests that do not create their own.
    await createTask(Buffer.from(JSON.stringify(spec)), participants, 1, 10, 3);

    const connection = { url: redis.url };
    queue = new Queue(QUEUE.aggregation, { connection, prefix });
    config = testAggregatorConfig({ appd, redisUrl: redis.url, queuePrefix: prefix, rpcUrl: chain.rpcUrl, contracts: deployment.contracts, coordinatorUrl: coordinator.url, dir }, {
      // Two updates in flight, opened in the worker thread (the production path).
      pipelineDepth: 2,
      openInWorker: true,
      finalizeGas: { base: 500_000, perParticipant: 40_000 },
      // Pages of 2 accounts: the first round's 8 outcomes go on chain in 4 reportOutcomes transactions.
      outcomePageSize: 2,
      healthPort: 0,
      healthHost: '127.0.0.1',
    });
    running = await startAggregator(config, { logger: log });
  });

  afterAll(async () => {
    await running?.close({ force: true });
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    provider?.destroy();
    await stopTestServices({ coordinator, appd, chain, redis, dir });
  });

  it('publishes the appd-derived keys on chain at start', async () => {
    expect(getBytes(await c.aggregatorRegistry.hpkePublicKey())).toEqual(running!.keys.hpke.publicKey);
    expect(await c.aggregatorRegistry.aggregatorSigner()).toBe(running!.keys.signer.address);
  });

  it('finalizes a round: FedAvg of the valid updates, bad ones excluded with their reason codes', async () => {
    const logsFrom = logLines.length;
    await (await c.taskManager.connect(accounts[0]!).openRound(taskId)).wait();
    const round = 1n;
    const good = [
      { signer: accounts[1]!, n: 10, u: tensors((i) => 0.01 * i) },
      { signer: accounts[2]!, n: 30, u: tensors((i) => -0.02 * i + 0.1) },
      { signer: accounts[3]!, n: 60, u: tensors((i) => ((i * 7) % 3) * 0.05) },
    ];
    const goodAddrs: string[] = [];
    for (const g of good) goodAddrs.push(await submit(g.signer, round, { deltas: g.u, numExamples: g.n }));
    const tampered = await submit(accounts[4]!, round, { deltas: tensors(() => 0.1), numExamples: 5 }, { tamperAfterCommit: true });
    const replayed = await submit(accounts[5]!, round, { deltas: tensors(() => 0.1), numExamples: 5 }, { sealRound: 2n });
    const misShaped = await submit(accounts[6]!, round, {
      deltas: tensors(() => 0.1, [
        ['dense_Dense1/kernel', [3, 4]],
        ['dense_Dense1/bias', [3]],
      ]),
      numExamples: 5,
    });
    const withNaN = await submit(accounts[7]!, round, { deltas: tensors((i) => (i === 3 ? Number.NaN : 0.1)), numExamples: 5 });
    const overNorm = await submit(accounts[8]!, round, { deltas: tensors(() => 5), numExamples: 5 });
    await closeRound(round);

    await enqueue(round);
    const r = await waitFinalized(round);

    // On-chain model hash = hash of the stored model; the stored model = plain-TypeScript FedAvg reference.
    const stored = coordinator.blobs.get(r.modelHash.slice(2));
    expect(stored).toBeDefined();
    expect(sha256Hex(stored!)).toBe(r.modelHash);
    expect(r.modelUri).toBe(`blobs/${r.modelHash.slice(2)}`);
    const model = flat(decodeTensors(new Uint8Array(stored!)));
    const prev = flat(initialModel);
    const total = good.reduce((a, g) => a + g.n, 0);
    for (let j = 0; j < SIZE; j += 1) {
      const ref = prev[j]! + good.reduce((a, g) => a + g.n * flat(g.u)[j]!, 0) / total;
      expect(Math.abs(model[j]! - ref)).toBeLessThan(1e-6);
    }

    const expected: [string, number][] = [
      [tampered, EXCLUSION_REASON.HashMismatch],
      [replayed, EXCLUSION_REASON.DecryptFailed],
      [misShaped, EXCLUSION_REASON.ShapeMismatch],
      [withNaN, EXCLUSION_REASON.NonFinite],
      [overNorm, EXCLUSION_REASON.NormExceeded],
    ];
    for (const [account, reason] of expected) {
      const o = await outcome(round, account);
      expect([o.committed, o.included, Number(o.reason)]).toEqual([true, false, reason]);
    }
    let scoreSum = 0;
    for (const a of goodAddrs) {
      const o = await outcome(round, a);
      expect(o.included).toBe(true);
      scoreSum += Number(o.score);
    }
    expect(scoreSum).toBe(1_000_000);

    // The metrics document is stored and hashes to the on-chain metricsHash.
    const metrics = coordinator.blobs.get(r.metricsHash.slice(2));
    expect(metrics).toBeDefined();
    const doc = JSON.parse(metrics!.toString('utf8'));
    expect(doc.modelHash).toBe(r.modelHash);
    // Public: aggregate figures only. No participant address, example count or alignment is in it (from those anyone
    // could recompute the confidential scores); the per-participant outcomes are the contract's.
    expect([doc.committed, doc.included, doc.excluded]).toEqual([8, 3, 5]);
    expect(doc.exclusionsByReason).toEqual({ '2': 1, '4': 1, '6': 1, '7': 1, '8': 1 });
    expect(doc.scoring).toMatchObject({ method: 'alignment', noPositiveContribution: false });
    const text = metrics!.toString('utf8').toLowerCase();
    for (const [account] of [...expected, ...goodAddrs.map((a) => [a] as const)]) expect(text).not.toContain(account.slice(2).toLowerCase());

    // The job outlived its 2 s lock and was never found stalled: the busy worker kept renewing it.
    expect(logLines.slice(logsFrom).filter((l) => l.includes('stalled job detected'))).toEqual([]);

    // 8 committed accounts reported in pages of 2, then one finalize.
    const pages = await c.taskManager.queryFilter(c.taskManager.filters.OutcomesReported(taskId, round));
    expect(pages.map((e) => Number(e.args.reportedCount))).toEqual([2, 4, 6, 8]);
  });

  it('a finalize from any other account reverts; killing the worker mid-job and restarting finalizes exactly once', async () => {
    // A task of its own (runnable alone, in any order).
    const members = await Promise.all(accounts.slice(1, 3).map((a) => a.getAddress()));
    const taskId = await createTask(Buffer.from(JSON.stringify(spec)), members, 1, 2);
    await (await c.taskManager.connect(accounts[0]!).openRound(taskId)).wait();
    const round = 1n;
    await submit(accounts[1]!, round, { deltas: tensors(() => 0.01), numExamples: 4 }, { task: taskId });
    const second = await submit(accounts[2]!, round, { deltas: tensors(() => 0.03), numExamples: 4 }, { task: taskId });
    await closeRound(round, taskId);

    const outsider = c.taskManager.connect(accounts[10]!);
    const hash = sha256Hex(Buffer.from('forged'));
    const notAuthorized = { data: expect.stringMatching(new RegExp(`^${c.taskManager.interface.getError('RoflOriginNotAuthorizedForApp')!.selector}`)) };
    await expect(outsider.reportOutcomes(taskId, round, [await accounts[1]!.getAddress(), second], [500000, 500000], [], [])).rejects.toMatchObject(notAuthorized);
    await expect(outsider.finalizeRound(taskId, round, hash, 'blobs/x', hash)).rejects.toMatchObject(notAuthorized);
    await expect(outsider.failRound(taskId, round, ROUND_FAILURE_REASON.AggregationFailed)).rejects.toMatchObject(notAuthorized);
    expect(Number((await c.taskManager.getRound(taskId, round)).state)).toBe(ROUND_STATE.Closed);

    // Worker A hangs on the second participant's download; it is killed (force-closed, lock abandoned) mid-job.
    const heldOnce = new Promise<void>((resolve) => {
      coordinator.hold = { key: updateKey(taskId, round, second), onHeld: resolve };
    });
    await enqueue(round, taskId);
    await heldOnce;
    await running!.close({ force: true });
    running = null;
    coordinator.hold = null;
    expect(Number((await c.taskManager.getRound(taskId, round)).state)).toBe(ROUND_STATE.Closed);

    // Worker B (a fresh start) picks the stalled job up once A's lock lapsed, says so, and finalizes.
    const killedAt = Date.now();
    running = await startAggregator(config, { logger: log });
    const r = await waitFinalized(round, taskId);
    const takeover = logLines.map((l) => JSON.parse(l) as { msg: string; time: number; stalledCount?: number }).find((l) => l.msg === 'worker: taking over a stalled job' && l.time >= killedAt);
    expect(takeover?.stalledCount).toBe(1);
    console.log(`takeover of the killed worker's job after ${((takeover!.time - killedAt) / 1000).toFixed(1)} s (lock ${config.lockDurationMs} ms, stalled check ${config.stalledIntervalMs} ms)`);
    // B's own stalled check found the job (detected) and B ran it (taken over).
    const stalled = (await running!.metrics.stalled.get()).values.map((v) => [v.labels.event, v.value]);
    expect(stalled.sort()).toEqual([
      ['detected', 1],
      ['taken-over', 1],
    ]);
    const finalizedEvents = await c.taskManager.queryFilter(c.taskManager.filters.RoundFinalized(taskId, round));
    expect(finalizedEvents).toHaveLength(1);
    expect(finalizedEvents[0]!.args.modelHash).toBe(r.modelHash);

    // A later duplicate of the job is a no-op (already finalized on chain), never a second finalize.
    await queue.add(JOB.aggregateRound, { taskId: taskId.toString(), round: 1, chainId: chainId.toString(), taskManager: deployment.contracts.taskManager, updates: [] }, { jobId: `dup-${taskId}` });
    expect(await completed(`dup-${taskId}`)).toEqual({ status: 'already-finalized', state: ROUND_STATE.Finalized });
    expect(await c.taskManager.queryFilter(c.taskManager.filters.RoundFinalized(taskId, round))).toHaveLength(1);
  });

  it('finalize waits for the model upload: a refused upload leaves the round unfinalized, the retry publishes and finalizes once', async () => {
    const members = await Promise.all(accounts.slice(3, 5).map((a) => a.getAddress()));
    const task = await createTask(Buffer.from(JSON.stringify(spec)), members, 2, 2);
    await (await c.taskManager.connect(accounts[0]!).openRound(task)).wait();
    for (const signer of accounts.slice(3, 5)) await submit(signer, 1n, { deltas: tensors(() => 0.02), numExamples: 3 }, { task });
    await closeRound(1n, task);

    // The first attempt's model and metrics uploads are refused; its outcome pages go out while they are in flight.
    coordinator.refuseBlobPuts = 2;
    const jobId = await enqueue(1n, task);
    const result = (await completed(jobId)) as { status: string; modelHash: string; metricsHash: string };
    expect(result.status).toBe('finalized');
    expect(coordinator.refuseBlobPuts).toBe(0);

    // Finalized exactly once, and only with the model and metrics stored: the first attempt did not finalize.
    const finalized = await c.taskManager.queryFilter(c.taskManager.filters.RoundFinalized(task, 1n));
    expect(finalized).toHaveLength(1);
    expect(finalized[0]!.args.modelHash).toBe(result.modelHash);
    expect(coordinator.blobs.has(result.modelHash.slice(2))).toBe(true);
    expect(coordinator.blobs.has(result.metricsHash.slice(2))).toBe(true);
    // The outcomes were reported once: the retry found them on chain and skipped them.
    expect(await c.taskManager.queryFilter(c.taskManager.filters.OutcomesReported(task, 1n))).toHaveLength(1);
  });

  it('10 commit, 6 upload, minimum 7: the round fails with BELOW_PRIVACY_FLOOR, nothing is published or paid', async () => {
    const members = await Promise.all(accounts.slice(10, 20).map((a) => a.getAddress()));
    const task = await createTask(Buffer.from(JSON.stringify(spec)), members, 7, 10);
    await (await c.taskManager.connect(accounts[0]!).openRound(task)).wait();
    for (const [k, signer] of accounts.slice(10, 20).entries()) {
      await submit(signer, 1n, { deltas: tensors((i) => 0.01 * (i + k)), numExamples: 10 }, { task, skipUpload: k >= 6 });
    }
    await closeRound(1n, task);
    const blobsBefore = new Set(coordinator.blobs.keys());
    const escrowBefore = await c.rewardVault.escrowOf(task);
    const counter = async (name: string, label: string) => {
      const values = (await running!.metrics.registry.getSingleMetric(name)!.get()).values;
      return values.filter((v) => Object.values(v.labels).includes(label)).reduce((a, v) => a + v.value, 0);
    };
    const countersBefore = await Promise.all([counter('cloister_aggregator_round_failures_total', 'BelowPrivacyFloor'), counter('cloister_aggregator_exclusions_total', 'MissingUpload'), counter('cloister_aggregator_jobs_total', 'failed')]);

    const result = await completed(await enqueue(1n, task));
    expect(result).toMatchObject({ status: 'failed', reason: ROUND_FAILURE_REASON.BelowPrivacyFloor });
    const r = await c.taskManager.getRound(task, 1n);
    expect([Number(r.state), Number(r.failureReason), Number(r.reportedCount)]).toEqual([ROUND_STATE.Failed, ROUND_FAILURE_REASON.BelowPrivacyFloor, 0]);
    const failed = await c.taskManager.queryFilter(c.taskManager.filters.RoundFailed(task, 1n));
    expect(failed.map((e) => [Number(e.args.committedCount), Number(e.args.reason)])).toEqual([[10, ROUND_FAILURE_REASON.BelowPrivacyFloor]]);
    expect(await c.taskManager.queryFilter(c.taskManager.filters.RoundFinalized(task))).toHaveLength(0);
    // Nothing sealed or uploaded (no model, no metrics document), nothing reserved or paid.
    expect(new Set(coordinator.blobs.keys())).toEqual(blobsBefore);
    expect(await c.rewardVault.escrowOf(task)).toBe(escrowBefore);
    expect(await c.rewardVault.reservedOf(task)).toBe(0n);

    // The metrics say why: a round failure by reason, and the four missing uploads by exclusion reason (counted from
    // before this test: other tests of this file may have run first).
    const metrics = await (await fetch(`${running!.health!.url}/metrics`)).text();
    expect(metrics).toMatch(/cloister_aggregator_round_failures_total\{reason="BelowPrivacyFloor"\} \d+/);
    const countersAfter = await Promise.all([counter('cloister_aggregator_round_failures_total', 'BelowPrivacyFloor'), counter('cloister_aggregator_exclusions_total', 'MissingUpload'), counter('cloister_aggregator_jobs_total', 'failed')]);
    expect(countersAfter.map((v, k) => v - countersBefore[k]!)).toEqual([1, 4, 1]);
  });

  it('a spec the aggregator refuses fails the round once with SPEC_REFUSED instead of being retried', async () => {
    const refused = Buffer.from(JSON.stringify({ ...spec, aggregation: { strategy: 'no-such-strategy', params: {}, updateNormBound: 10, dp: null } }));
    const members = await Promise.all(accounts.slice(1, 3).map((a) => a.getAddress()));
    const task = await createTask(refused, members, 1, 2);
    await (await c.taskManager.connect(accounts[0]!).openRound(task)).wait();
    for (const signer of accounts.slice(1, 3)) await submit(signer, 1n, { deltas: tensors(() => 0.01), numExamples: 3 }, { task });
    await closeRound(1n, task);

    const jobId = await enqueue(1n, task);
    expect(await completed(jobId)).toMatchObject({ status: 'failed', reason: ROUND_FAILURE_REASON.SpecRefused });
    expect((await queue.getJob(jobId))!.attemptsMade).toBeLessThanOrEqual(1); // one run, no retries
    const r = await c.taskManager.getRound(task, 1n);
    expect([Number(r.state), Number(r.failureReason)]).toEqual([ROUND_STATE.Failed, ROUND_FAILURE_REASON.SpecRefused]);
    // A duplicate job finds the round ended: still exactly one RoundFailed.
    await queue.add(JOB.aggregateRound, { taskId: task.toString(), round: 1, chainId: chainId.toString(), taskManager: deployment.contracts.taskManager, updates: [] }, { jobId: `dup-refused-${task}` });
    expect(await completed(`dup-refused-${task}`)).toEqual({ status: 'already-ended', state: ROUND_STATE.Failed });
    expect(await c.taskManager.queryFilter(c.taskManager.filters.RoundFailed(task, 1n))).toHaveLength(1);
  });

  it('the same updates committed in another order publish the same model and the same metrics document', async () => {
    // Issue 12 item 6: the round's outputs are a function of the set of updates, not of the order in which the
    // commit transactions happened to be mined. The values make the order visible: folded as (1 + t) − 1 the tiny t
    // loses its low bits, folded as (1 − 1) + t it does not, so a fold in commit order gives two different models.
    const tiny = 1.2345678e-12;
    const signers = accounts.slice(11, 14);
    const updates = new Map<string, number>();
    const members = await Promise.all(signers.map((s) => s.getAddress()));
    [1, -1, tiny].forEach((v, k) => updates.set(members[k]!, v));
    const orders = [
      [members[0]!, members[2]!, members[1]!],
      [members[0]!, members[1]!, members[2]!],
    ];
    const published: { modelHash: string; document: Record<string, unknown> }[] = [];
    for (const order of orders) {
      const task = await createTask(Buffer.from(JSON.stringify(spec)), members, 3, 3);
      await (await c.taskManager.connect(accounts[0]!).openRound(task)).wait();
      for (const member of order) {
        const signer = signers[members.indexOf(member)]!;
        await submit(signer, 1n, { deltas: tensors(() => updates.get(member)!), numExamples: 4 }, { task });
      }
      expect([...(await c.taskManager.committedParticipants(task, 1n))]).toEqual(order);
      await closeRound(1n, task);
      const result = (await completed(await enqueue(1n, task))) as { status: string; modelHash: string; metricsHash: string };
      expect(result.status).toBe('finalized');
      const bytes = coordinator.blobs.get(result.metricsHash.slice(2))!;
      expect(sha256Hex(bytes)).toBe(result.metricsHash);
      const document = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      expect(document.taskId).toBe(task.toString());
      delete document.taskId;
      published.push({ modelHash: result.modelHash, document });
    }
    expect(published[1]!.modelHash).toBe(published[0]!.modelHash);
    expect(published[1]!.document).toEqual(published[0]!.document);
    // Where the initial model is 0 the new model is the mean itself (elsewhere t/3 is below float32 resolution).
    const model = flat(decodeTensors(coordinator.blobs.get(published[0]!.modelHash.slice(2))!));
    const start = flat(initialModel);
    const zeros = [...start.keys()].filter((j) => start[j] === 0);
    expect(zeros.length).toBeGreaterThan(0);
    for (const j of zeros) expect(Math.abs(model[j]! / (tiny / 3) - 1)).toBeLessThan(1e-3);
  });

  it('serves /health, /ready (Redis, chain and worker probed now) and /metrics on its own port', async () => {
    const url = running!.health!.url;
    const health = await fetch(`${url}/health`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const ready = await fetch(`${url}/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready', checks: { redis: 'ok', chain: 'ok', worker: 'ok' } }]);
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    // Declared whether or not a job ran yet (a histogram without observations has no buckets: this test may run first).
    for (const name of ['cloister_aggregator_jobs_total', 'cloister_aggregator_job_duration_seconds', 'cloister_aggregator_active_job_age_seconds', 'cloister_aggregator_jobs_active', 'cloister_aggregator_jobs_stalled_total']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });
  it('a task with a sealed validation set: FLTrust in the TEE, leave-one-out scores, the example-count bound', async () => {
    // Task 2: a real tfjs model (one softmax layer, 4 features → 3 classes), the author's validation set sealed to the
    // aggregator key (only its hash in the spec), FLTrust, leave-one-out scores, declared example counts (exclude).
    const topology = {
      class_name: 'Sequential',
      config: {
        name: 'fair',
        layers: [
          {
            class_name: 'Dense',
            config: { name: 'dense_Dense1', units: 3, activation: 'softmax', use_bias: true, batch_input_shape: [null, 4], dtype: 'float32', trainable: true,
              kernel_initializer: { class_name: 'Zeros', config: {} }, bias_initializer: { class_name: 'Zeros', config: {} } },
          },
        ],
      },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    };
    // Class = argmax of x·T for a fixed T: the validation examples and the direction an honest update takes.
    const T = [[2, -1, -1], [-1, 2, -1], [-1, -1, 2], [0.5, 0.5, -1]];
    const count = 60;
    const features = new Float32Array(count * 4);
    const labels = new Float32Array(count * 3);
    for (let i = 0; i < count; i += 1) {
      const x = [((i * 37) % 17) / 8 - 1, ((i * 11) % 13) / 6 - 1, ((i * 7) % 19) / 9 - 1, ((i * 5) % 7) / 3 - 1];
      features.set(x, i * 4);
      const scores = [0, 1, 2].map((k) => x.reduce((a, v, j) => a + v * T[j]![k]!, 0));
      labels[i * 3 + scores.indexOf(Math.max(...scores))] = 1;
    }
    const sealed = await sealValidationSet({
      examples: { featureShape: [4], labelShape: [3], features, labels, count },
      recipientPublicKey: getBytes(await c.aggregatorRegistry.hpkePublicKey()),
      deployment: { chainId, contractAddress: deployment.contracts.taskManager },
    });
    const sealedHash = sha256Hex(sealed);
    coordinator.blobs.set(sealedHash.slice(2), Buffer.from(sealed));
    const [honestA, honestB, flipper, inflater, undeclared] = (await Promise.all([1, 2, 3, 4, 5].map((k) => accounts[k]!.getAddress()))) as [string, string, string, string, string];
    const spec = {
      version: 2,
      kind: 'training',
      name: 'fair-scores',
      model: { topology },
      training: { optimizer: 'sgd', learningRate: 0.5, loss: 'categoricalCrossentropy', metrics: ['accuracy'], localEpochs: 5, batchSize: 20, fedProxMu: 0, clipNorm: null, noiseMultiplier: null },
      data: { features: ['a', 'b', 'c', 'd'], scaling: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] } },
      aggregation: { strategy: 'fltrust', params: {}, updateNormBound: 100, dp: null },
      exampleCountBound: { source: 'declared', onExceed: 'exclude', declared: { [honestA]: 50, [honestB]: 50, [flipper]: 50, [inflater]: 50 } },
      validationSet: { hash: sealedHash, uri: `blobs/${sealedHash.slice(2)}` },
      scoring: { method: 'leave-one-out' },
    };
    const specBytes = Buffer.from(JSON.stringify(spec));
    const sites = [honestA, honestB, flipper, inflater, undeclared];
    const task = await createTask(specBytes, sites, 1, 10);
    await (await c.taskManager.connect(accounts[0]!).openRound(task)).wait();
    const round = 1n;
    // Honest updates move the kernel towards T (bias 0); the flipper sends the opposite; the inflater claims 1000×.
    const towards = (scale: number) => tensors((i) => (i < 12 ? scale * T[Math.floor(i / 3)]![i % 3]! : 0));
    await submit(accounts[1]!, round, { deltas: towards(0.3), numExamples: 50 }, { task });
    await submit(accounts[2]!, round, { deltas: towards(0.2), numExamples: 40 }, { task });
    await submit(accounts[3]!, round, { deltas: towards(-0.3), numExamples: 50 }, { task });
    await submit(accounts[4]!, round, { deltas: towards(0.3), numExamples: 50_000 }, { task });
    await submit(accounts[5]!, round, { deltas: towards(0.3), numExamples: 10 }, { task });
    await closeRound(round, task);
    await completed(await enqueue(round, task), 180_000);
    const r = await c.taskManager.getRound(task, round);
    expect(Number(r.state)).toBe(ROUND_STATE.Finalized);
    const outcomeOf = (account: string) => c.taskManager.outcomeOf.staticCall(task, round, account, { from: deployment.contracts.rewardVault });

    for (const account of [inflater, undeclared]) {
      const o = await outcomeOf(account);
      expect([o.committed, o.included, Number(o.reason)]).toEqual([true, false, EXCLUSION_REASON.ExampleCountExceeded]);
    }
    const scores = await Promise.all([honestA, honestB, flipper].map(async (a) => Number((await outcomeOf(a)).score)));
    expect(scores[2]).toBe(0); // FLTrust gives the sign flip no trust; leave-one-out pays it nothing
    expect(scores[0]! + scores[1]!).toBe(1_000_000);
    expect(scores[0]).toBeGreaterThan(0);
    // The new model moved towards T: FLTrust combined the honest updates only (the flip has zero trust).
    const model = flat(decodeTensors(new Uint8Array(coordinator.blobs.get(r.modelHash.slice(2))!)));
    const start = flat(initialModel);
    expect(model[0]! - start[0]!).toBeGreaterThan(0);
    expect(model[1]! - start[1]!).toBeLessThan(0);
    const doc = JSON.parse(coordinator.blobs.get(r.metricsHash.slice(2))!.toString('utf8'));
    expect(doc.strategy).toBe('fltrust');
    expect(doc.scoring).toMatchObject({ method: 'leave-one-out', kept: 'float32', noPositiveContribution: false });
    expect(doc.scoring.evaluations).toBe(4); // n + 1 coalitions for n = 3 included
    expect(doc.exclusionsByReason).toEqual({ [String(EXCLUSION_REASON.ExampleCountExceeded)]: 2 });
    expect(doc.aggregation).toMatchObject({ trusted: 2, untrusted: 1 });
    expect(doc.validation.examples).toBe(count);
    const text = coordinator.blobs.get(r.metricsHash.slice(2))!.toString('utf8').toLowerCase();
    for (const site of sites) expect(text).not.toContain(site.slice(2).toLowerCase());
  });
});
