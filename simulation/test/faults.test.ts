// The fault suite (faults issue, "what must hold"): Redis, the Hardhat node, the coordinator and the aggregator each
// run as a separate OS process; the development appd (the TEE host emulation) and the participants run here. Five
// faults, one task (one round, four participants) each:
//   1. the coordinator is SIGKILLed while uploads are in flight, and restarted;
//   2. the aggregator is SIGKILLed while its round's finalizeRound is in flight, and another one started;
//   3. Redis is SIGKILLed mid-round and restarted on its data (append-only file);
//   4. the chain node is paused (SIGSTOP) mid-upload, then resumed (SIGCONT);
//   5. the coordinator is SIGKILLed while its close-round job is in flight (its closeRound sent, never mined), and
//      restarted: the restarted one takes the job over once the dead one's lock lapses.
// Each asserts that every upload answered 200 is included (or excluded for a reason other than a missing upload) and
// that the round finalized exactly once, and prints the recovery time (a figure, not an assertion). Every wait is
// on a condition (a state, an answer, a line), never on a timer.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Wallet, getBytes, hexlify, id as keccakText, type JsonRpcProvider } from 'ethers';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import type { AggregatorConfig } from '@cloister/aggregator-rofl';
import { QUEUE_NAMES, ROUND_JOB_LOCK_MS, ROUND_JOB_STALLED_INTERVAL_MS, ROUND_JOBS, roundJobId } from '@cloister/coordinator';
import type { DevelopmentAppd } from '@cloister/development-appd';
import { connectCloister, connectJsonRpc, type CloisterContracts, type Deployment } from '@cloister/contracts';
import { freePort, spawnManaged, spawnRedis, typescriptEnvironment, typescriptNodeArguments, until, type ManagedProcess, type SpawnedRedis } from '@cloister/devstack';
import { encodeTensors, encodeUpdate, EXCLUSION_REASON, ROUND_STATE, sealUpdateToBytes, sha256Hex, signUpdateDigest } from '@cloister/protocol';
import {
  createParticipants,
  JsonRpcBatcher,
  maxUpdateBytesFor,
  proposeAndExecute,
  startSimulationChain,
  syntheticSource,
  type SimulationChain,
  type VirtualParticipant,
} from '../src';
import { deploySimulationContracts } from '../src/stack/deploySimulationContracts';
import { startSimulationAppd } from '../src/stack/startSimulationAppd';
import { startHoldingProxy, type HoldingProxy } from './support/holdingProxy';
import { startLosingChainProxy, type LosingChainProxy } from './support/losingChainProxy';

jest.setTimeout(300_000);

const SERVICE = path.join(__dirname, 'support', 'service.ts');
const PARAMS = 2_000;
const PARTICIPANTS = 4;
const source = syntheticSource({ params: PARAMS, seed: 12 });
const developmentKey = (label: string) => keccakText(`cloister-faults:${label}`);
/** BullMQ key prefix of both services' queues. */
const QUEUE_PREFIX = 'bull';

type Service = { proc: ManagedProcess; kill(): Promise<void> };

/** Starts a service process and waits for its READY line. */
async function startService(kind: 'coordinator' | 'aggregator', config: unknown): Promise<Service> {
  const proc = spawnManaged(process.execPath, [...typescriptNodeArguments(), SERVICE, kind, JSON.stringify(config)], { env: typescriptEnvironment() });
  await until(`${kind} READY`, () => {
    if (proc.exited()) throw new Error(`${kind} exited before it was ready:\n${proc.output()}`);
    return proc.output().includes('READY');
  }, 120_000, 50);
  return {
    proc,
    async kill() {
      if (proc.exited()) return;
      process.kill(-proc.child.pid!, 'SIGKILL'); // a crash: no shutdown code runs
      await proc.exit;
    },
  };
}

let workDir: string;
let redis: SpawnedRedis;
let chain: SimulationChain;
let provider: JsonRpcProvider;
let rpc: JsonRpcBatcher;
let deployment: Deployment;
let contracts: CloisterContracts;
let member: Wallet;
let appd: DevelopmentAppd;
let proxy: HoldingProxy;
let chainProxy: LosingChainProxy;
let coordinator: Service;
let aggregator: Service;
let coordinatorConfig: Record<string, unknown>;
let aggregatorConfig: AggregatorConfig;
let coordinatorUrl: string;
const operatorToken = hexlify(randomBytes(24));
const recoveries: Array<{ fault: string; seconds: number; what: string }> = [];

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'cloister-faults-'));
  [redis, chain] = await Promise.all([spawnRedis(), startSimulationChain()]);
  rpc = new JsonRpcBatcher(chain.rpcUrl);
  provider = connectJsonRpc(chain.rpcUrl, { chainId: chain.chainId, pollingInterval: 50 });
  member = new Wallet(developmentKey('governance-member'), provider);
  const operator = new Wallet(developmentKey('operator'), provider);
  const deploymentFile = path.join(workDir, 'deployment.json');
  deployment = await deploySimulationContracts({ provider, rpc, member, operator, deploymentFile });
  contracts = connectCloister(deployment, provider);

  const appdSocket = path.join(workDir, 'appd.sock');
  appd = await startSimulationAppd({ provider, rpc, rpcUrl: chain.rpcUrl, socketPath: appdSocket });
  const proxySocket = path.join(workDir, 'appd-proxy.sock');
  proxy = await startHoldingProxy(proxySocket, appdSocket);

  // The coordinator reaches the chain through a pass-through that can lose its next closeRound transaction.
  chainProxy = await startLosingChainProxy(chain.rpcUrl);
  const port = await freePort();
  coordinatorUrl = `http://127.0.0.1:${port}`;
  coordinatorConfig = {
    host: '127.0.0.1',
    port,
    logLevel: 'warn',
    redis: { url: redis.url, queuePrefix: QUEUE_PREFIX },
    chain: { rpcUrl: chainProxy.url, deploymentFile, confirmations: 0, pollIntervalMs: 100, rpcTimeoutMs: 2000, operatorPrivateKey: operator.privateKey },
    store: { kind: 'filesystem', directory: path.join(workDir, 'store') },
    // One secret for every coordinator process: a participant's session outlives a coordinator restart.
    auth: { sessionSecret: hexlify(randomBytes(32)), operatorToken },
    uploads: { maxBytes: maxUpdateBytesFor((await source.task()).initialModel), commitmentPollMs: 50 },
    rounds: { closeDelayMs: 100, uploadGraceMs: 120_000 },
  };
  aggregatorConfig = {
    appdSocket: proxySocket,
    redisUrl: redis.url,
    queuePrefix: QUEUE_PREFIX,
    rpcUrl: chain.rpcUrl,
    taskManagerAddress: deployment.contracts.taskManager,
    aggregatorRegistryAddress: deployment.contracts.aggregatorRegistry,
    coordinatorUrl,
    stateDir: path.join(workDir, 'aggregator-state'),
    maxUpdateBytes: 16 * 1024 * 1024,
    // A killed aggregator's job is taken over after its lock lapses (4 s) at the next stalled check (every 2 s).
    lockDurationMs: 4000,
    stalledIntervalMs: 2000,
    logLevel: 'warn',
    publishKeys: true,
    openInWorker: false,
  };
  coordinator = await startService('coordinator', coordinatorConfig);
  aggregator = await startService('aggregator', aggregatorConfig);
  await until('aggregator HPKE key on chain', async () => getBytes(await contracts.aggregatorRegistry.hpkePublicKey()).some((b) => b !== 0), 60_000, 100);
});

afterAll(async () => {
  for (const [name, service] of [['coordinator', coordinator], ['aggregator', aggregator]] as const) {
    if (service?.proc.exited()) process.stdout.write(`${name} process had exited; its last output:\n${service.proc.output()}\n`);
  }
  if (recoveries.length > 0) {
    process.stdout.write(`\nfault suite: recovery times (figures, not assertions)\n${recoveries.map((r) => `  ${r.fault.padEnd(44)} ${r.seconds.toFixed(2).padStart(7)} s  (${r.what})`).join('\n')}\n`);
  }
  try {
    if (chain?.pid) process.kill(chain.pid, 'SIGCONT');
  } catch {
    // not paused
  }
  await Promise.allSettled([coordinator?.kill(), aggregator?.kill()]);
  await proxy?.close();
  await chainProxy?.close();
  await appd?.close();
  provider?.destroy();
  await Promise.allSettled([redis?.stop(), chain?.stop()]);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

type Sealed = { p: VirtualParticipant; ciphertext: Uint8Array; hash: string; signature: string; token: string };
type Round = { taskId: bigint; sealed: Sealed[]; answered200: Set<string>; fromBlock: number };

async function putBlob(bytes: Uint8Array): Promise<string> {
  const hash = sha256Hex(bytes);
  const res = await fetch(`${coordinatorUrl}/v1/blobs/${hash.slice(2)}`, { method: 'PUT', headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/octet-stream' }, body: bytes });
  if (!res.ok) throw new Error(`PUT blob: ${res.status} ${await res.text()}`);
  return hash;
}

async function signIn(wallet: Wallet): Promise<string> {
  const post = async (route: string, body: unknown) => {
    const res = await fetch(`${coordinatorUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, string>;
  };
  const { message } = await post('/v1/auth/nonce', { address: wallet.address });
  return (await post('/v1/auth/verify', { message, signature: await wallet.signMessage(message!) })).token!;
}

/**
 * A task of one round with four admitted participants, round 1 open, every update sealed, signed and committed.
 * `beforeCommits` runs once the round is open, before the first commit (the last one fills the round and makes the
 * coordinator close it at once).
 */
async function prepareRound(seed: number, beforeCommits?: (taskId: bigint) => void): Promise<Round> {
  const fromBlock = await provider.getBlockNumber();
  const { spec, initialModel } = await source.task();
  const specHash = await putBlob(Buffer.from(JSON.stringify(spec), 'utf8'));
  const modelHash = await putBlob(encodeTensors(initialModel));
  const tm = contracts.taskManager;
  await proposeAndExecute(contracts, member, {
    target: deployment.contracts.taskManager,
    value: 1_000_000n,
    data: tm.interface.encodeFunctionData('createTask', [
      {
        modelSpecHash: specHash,
        initialModelHash: modelHash,
        initialModelUri: `blobs/${modelHash.slice(2)}`,
        dataSchemaHash: sha256Hex(Buffer.from(JSON.stringify(spec.data), 'utf8')),
        minParticipants: PARTICIPANTS,
        maxParticipants: PARTICIPANTS,
        roundDuration: 3600,
        numRounds: 1,
        rewardPerRound: 1_000_000n,
      },
    ]),
    description: `fault suite task ${seed}`,
  });
  const taskId = await tm.taskCount();
  const participants = await createParticipants({ count: PARTICIPANTS, seed, provider, rpc, coordinatorUrl });
  await proposeAndExecute(contracts, member, {
    target: deployment.contracts.participants,
    value: 0n,
    data: contracts.participants.interface.encodeFunctionData('admitMany', [taskId, participants.map((p) => p.address), participants.map((p) => `site-${p.index}`), participants.map(() => '')]),
    description: `fault suite admissions ${seed}`,
  });
  await until(`task ${taskId} round 1 open`, async () => Number((await tm.getRound(taskId, 1n)).state) === ROUND_STATE.Open && Number((await tm.getTask(taskId)).currentRound) === 1, 60_000, 50);
  const recipientPublicKey = getBytes(await contracts.aggregatorRegistry.hpkePublicKey());
  beforeCommits?.(taskId);
  const sealed: Sealed[] = [];
  for (const p of participants) {
    const update = await source.update(p.index, 1, null);
    const context = { chainId: BigInt(chain.chainId), contractAddress: deployment.contracts.taskManager, taskId, round: 1n, participant: p.address };
    const ciphertext = await sealUpdateToBytes({ recipientPublicKey, context, plaintext: encodeUpdate(update) });
    const hash = sha256Hex(ciphertext);
    const signature = await signUpdateDigest(p.wallet, { ...context, ciphertextHash: hash });
    await (await tm.connect(p.wallet).commit(taskId, 1n, hash)).wait();
    sealed.push({ p, ciphertext, hash, signature, token: await signIn(p.wallet) });
  }
  return { taskId, sealed, answered200: new Set(), fromBlock };
}

type Answer = { status: number | 'unreachable'; retryAfter: string | null; code?: string };

async function putUpdate(round: Round, s: Sealed): Promise<Answer> {
  try {
    const res = await fetch(`${coordinatorUrl}/v1/tasks/${round.taskId}/rounds/1/updates`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/octet-stream', 'x-cloister-signature': s.signature },
      body: s.ciphertext,
    });
    const body = (await res.json().catch(() => ({}))) as { code?: string };
    if (res.status === 200) round.answered200.add(s.p.address);
    return { status: res.status, retryAfter: res.headers.get('retry-after'), code: body.code };
  } catch {
    return { status: 'unreachable', retryAfter: null };
  }
}

/** A participant's upload as a client does it: again after a 503 or a refused connection, until it is answered. */
async function uploadUntilAnswered(round: Round, s: Sealed): Promise<void> {
  const answer = await until(`upload of ${s.p.address}`, async () => {
    const a = await putUpdate(round, s);
    if (a.status === 'unreachable' || a.status === 503) return null;
    return a;
  }, 180_000, 100);
  if (answer.status !== 200) throw new Error(`upload of ${s.p.address} answered ${answer.status} ${answer.code}`);
}

async function coordinatorReady(): Promise<boolean> {
  try {
    return (await fetch(`${coordinatorUrl}/ready`)).status === 200;
  } catch {
    return false;
  }
}

/** Waits until the coordinator answers /ready again and records how long that took since `since` as a recovery. */
async function recordCoordinatorBack(fault: string, since: number, what: string): Promise<void> {
  await until('coordinator ready', coordinatorReady, 60_000, 50);
  recoveries.push({ fault, seconds: (Date.now() - since) / 1000, what });
}

/** The round's last uploads (each retried until answered), then the checks of a settled round. */
async function finishRound(round: Round, rest: Sealed[]): Promise<number> {
  for (const s of rest) await uploadUntilAnswered(round, s);
  return expectRoundSettled(round);
}

/** Waits for the round to be finalized (or accepted), then checks what must hold. */
async function expectRoundSettled(round: Round): Promise<number> {
  const tm = contracts.taskManager;
  await until(`task ${round.taskId} round 1 finalized`, async () => {
    const state = Number((await tm.getRound(round.taskId, 1n)).state);
    if (state === ROUND_STATE.Failed || state === ROUND_STATE.Rejected) throw new Error(`task ${round.taskId} round 1 ended in state ${state}`);
    return state === ROUND_STATE.Finalized || state === ROUND_STATE.Accepted;
  }, 240_000, 100);
  const settledAt = Date.now();
  const finalized = await tm.queryFilter(tm.filters.RoundFinalized(round.taskId, 1n), round.fromBlock);
  expect(finalized).toHaveLength(1);
  // The outcomes are in the reportOutcomes calls (outcomeOf is the reward vault's to read).
  const reports = await tm.queryFilter(tm.filters.OutcomesReported(round.taskId, 1n), round.fromBlock);
  const included = new Set<string>();
  const excluded = new Map<string, number>();
  for (const report of reports) {
    const tx = await provider.getTransaction(report.transactionHash);
    const call = tm.interface.parseTransaction({ data: tx!.data })!;
    for (const a of call.args.included as string[]) included.add(a.toLowerCase());
    (call.args.excluded as string[]).forEach((a, i) => excluded.set(a.toLowerCase(), Number((call.args.reasons as bigint[])[i])));
  }
  expect(round.answered200.size).toBe(PARTICIPANTS);
  for (const address of round.answered200) {
    const key = address.toLowerCase();
    // Included, or excluded for a reason of its own, never because the coordinator lost an accepted upload.
    expect(included.has(key) || (excluded.has(key) && excluded.get(key) !== EXCLUSION_REASON.MissingUpload)).toBe(true);
  }
  // These updates are all valid: every one is included.
  expect(included.size).toBe(PARTICIPANTS);
  return settledAt;
}

it('coordinator SIGKILLed mid-upload: accepted uploads kept, the rest retried, the round finalizes once', async () => {
  const round = await prepareRound(101);
  const [a, b, c, d] = round.sealed as [Sealed, Sealed, Sealed, Sealed];
  await uploadUntilAnswered(round, a);
  await uploadUntilAnswered(round, b);
  // Two uploads in flight when the process dies.
  const inFlight = [uploadUntilAnswered(round, c), uploadUntilAnswered(round, d)];
  const killedAt = Date.now();
  await coordinator.kill();
  coordinator = await startService('coordinator', coordinatorConfig);
  await recordCoordinatorBack('coordinator SIGKILL mid-upload', killedAt, 'kill → restarted coordinator /ready 200');
  await Promise.all(inFlight);
  const settledAt = await expectRoundSettled(round);
  recoveries.push({ fault: 'coordinator SIGKILL mid-upload (settle)', seconds: (settledAt - killedAt) / 1000, what: 'kill → round finalized' });
});

it('aggregator SIGKILLed while finalizing: another instance takes the job over, the round finalizes once', async () => {
  const round = await prepareRound(102);
  const held = proxy.holdNextSignSubmit();
  for (const s of round.sealed) await uploadUntilAnswered(round, s);
  await held; // the aggregator opened and aggregated every update; its finalizeRound is in flight
  const killedAt = Date.now();
  await aggregator.kill();
  aggregator = await startService('aggregator', aggregatorConfig);
  const settledAt = await expectRoundSettled(round);
  recoveries.push({ fault: 'aggregator SIGKILL mid-aggregation', seconds: (settledAt - killedAt) / 1000, what: 'kill → round finalized by the next instance' });
});

it('Redis SIGKILLed mid-round and restarted on its data: nothing accepted is lost, the round finalizes once', async () => {
  const round = await prepareRound(103);
  const [a, b, c, d] = round.sealed as [Sealed, Sealed, Sealed, Sealed];
  await uploadUntilAnswered(round, a);
  await uploadUntilAnswered(round, b);
  const killedAt = Date.now();
  await redis.kill();
  // While Redis is away the coordinator answers 503 with Retry-After (never 500).
  const during = await putUpdate(round, c);
  expect(during).toMatchObject({ status: 503 });
  expect(during.retryAfter).toMatch(/^[0-9]+$/);
  await redis.restart();
  await recordCoordinatorBack('Redis SIGKILL mid-round, restart on its data', killedAt, 'kill → coordinator /ready 200 on the restarted Redis');
  await finishRound(round, [c, d]);
});

it('chain node paused mid-upload: an upload that needs the chain answers 503 with Retry-After, resume after SIGCONT, the round finalizes once', async () => {
  const round = await prepareRound(104);
  const [a, b, c, d] = round.sealed as [Sealed, Sealed, Sealed, Sealed];
  await uploadUntilAnswered(round, a);
  await uploadUntilAnswered(round, b);
  // The coordinator checks an upload against the commitment its chain watcher recorded, without a chain read, and
  // reads the chain when the watcher has not seen the commit yet. c's commit as not seen yet: once the watcher has
  // recorded it (its range is done and is not read again), the record is removed, so c's upload needs the chain.
  const commitments = `cloister:commitments:${round.taskId}:1`; // the coordinator's CommitmentIndex key (default prefix)
  const client = new Redis(redis.url);
  try {
    await until(`the watcher recorded ${c.p.address}'s commit`, async () => (await client.hget(commitments, c.p.address)) !== null, 60_000, 50);
    await client.hdel(commitments, c.p.address);
  } finally {
    client.disconnect();
  }
  process.kill(chain.pid!, 'SIGSTOP');
  let resumedAt: number;
  try {
    const during = await putUpdate(round, c);
    expect(during).toMatchObject({ status: 503, code: 'CLOISTER_ERR_CHAIN_UNAVAILABLE' });
    expect(during.retryAfter).toMatch(/^[0-9]+$/);
  } finally {
    process.kill(chain.pid!, 'SIGCONT');
    resumedAt = Date.now();
  }
  await recordCoordinatorBack('chain node SIGSTOP/SIGCONT', resumedAt, 'SIGCONT → coordinator /ready 200');
  await finishRound(round, [c, d]);
});

it('coordinator SIGKILLed while its close-round job is in flight: the restarted one takes the job over, the round finalizes once', async () => {
  const tm = contracts.taskManager;
  let lost: Promise<string> | undefined;
  const round = await prepareRound(105, (taskId) => {
    lost = chainProxy.loseNextTransaction(tm.interface.encodeFunctionData('closeRound', [taskId, 1n]));
  });
  const [a, b, c, d] = round.sealed as [Sealed, Sealed, Sealed, Sealed];
  // The last commit filled the round: the coordinator's close-round job sent closeRound, which the proxy lost, and
  // waits for its receipt. The job stays active under the coordinator's lock for as long as the process lives.
  await lost;
  const { openedAt } = await tm.getRound(round.taskId, 1n);
  const jobId = roundJobId(ROUND_JOBS.closeRound, round.taskId, 1n, openedAt, 'full');
  const client = new Redis(redis.url);
  const rounds = new Queue(QUEUE_NAMES.rounds, { connection: client, prefix: QUEUE_PREFIX });
  try {
    expect(await rounds.getJobState(jobId)).toBe('active');
    // A restarted coordinator can only take the job over once the dead one's lock has lapsed and a stalled check has
    // seen it twice without one (the first check is also held off by the dead one's last). The lock and the check's
    // interval are the coordinator's round-job settings, not BullMQ's defaults (30 s and 30 s: the round then stayed
    // Open 30 to 90 s after the restart).
    const lockLeft = await client.pttl(rounds.toKey(`${jobId}:lock`));
    expect(lockLeft).toBeGreaterThan(0);
    expect(lockLeft).toBeLessThanOrEqual(ROUND_JOB_LOCK_MS);
    expect(await client.pttl(rounds.toKey('stalled-check'))).toBeLessThanOrEqual(ROUND_JOB_STALLED_INTERVAL_MS);
    await uploadUntilAnswered(round, a);
    await uploadUntilAnswered(round, b);
    const killedAt = Date.now();
    await coordinator.kill();
    coordinator = await startService('coordinator', coordinatorConfig);
    const settledAt = await finishRound(round, [c, d]);
    recoveries.push({ fault: 'coordinator SIGKILL mid-close-round', seconds: (settledAt - killedAt) / 1000, what: 'kill → round finalized' });
    // Taken over once, by the restarted coordinator, which sent the closeRound that closed the round (the lost one
    // never reached the chain).
    const job = (await rounds.getJob(jobId))!;
    expect(await job.getState()).toBe('completed');
    expect(job.stalledCounter).toBe(1);
    expect(job.returnvalue).toMatch(/^closed in 0x[0-9a-f]{64}$/);
  } finally {
    await rounds.close();
    client.disconnect();
  }
});
