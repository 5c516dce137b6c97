// One federated task on a running local stack, driven the way the real parties would: governance approves the
// task (escrow) and admits the participants through proposals, the task spec and initial model go to the
// coordinator's store with the operator token, the participant nodes train and submit sealed updates, the
// coordinator and the aggregator run the rounds. The demo watches the chain, evaluates every accepted global model,
// and at the end the participants claim their payouts.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs';
import { creditRoundRewards, siweLogin, SCORE_TOTAL } from '@cloister/contracts';
import { chainStep, CoordinatorClient, openConsortiumModel, type Examples } from '@cloister/client';
import { decodeTensors, initialModelEnvelopeContext, isSealedModel, sealUpdateToBytes, sha256Hex, type NamedTensor } from '@cloister/protocol';
import { getBytes, type Wallet } from 'ethers';
import type { Logger } from 'pino';
import { FederationFailedError, DemoOptionInvalidError, FederationTimeoutError } from '../errors';
import { admitCall, createTaskCall, proposeAndApprove, type TaskParams } from '../governance/actions';
import type { Stack } from '../stack/startStack';
import { GlobalModelEvaluator, type SiteTest } from './evaluate';
import { startParticipants, type ParticipantSite } from './participants';
import { runPaidInference, type PaidInferenceRecord } from './paidInference';
import type { DemoReport, Payout, RoundRecord } from './report';
import { taskArtifacts, type BuiltTask } from './spec';

export type FederationOptions = {
  logger: Logger;
  task: BuiltTask;
  /** One entry per participant (same order as stack.accounts.participants). */
  sites: ParticipantSite[];
  /** Test splits the demo evaluates each global model on (pooled = all of them). */
  evaluation: SiteTest[];
  rounds: number;
  rewardPerRound: bigint;
  /** Seconds a round stays open (it closes as soon as every participant committed). */
  roundDuration: number;
  /** Give up when a round is not accepted within this many seconds. */
  roundTimeoutSeconds: number;
  /** Called after each accepted round (the demo prints it). */
  onRound?: (record: RoundRecord) => void;
  /** Rows of test data for the paid inference at the end (none: no inference). */
  inference?: { test: Examples; rows: number };
};

export type FederationResult = {
  taskId: bigint;
  rounds: RoundRecord[];
  payouts: Payout[];
  escrow: bigint;
  specHash: string;
  tfBackend: string;
  modelAccess: 'public' | 'consortium';
  inference: PaidInferenceRecord | null;
};

async function putBlob(stack: Stack, hash: string, bytes: Uint8Array): Promise<void> {
  const res = await fetch(`${stack.coordinatorUrl}/v1/blobs/${hash.slice(2)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (!res.ok) {
    throw new FederationFailedError(`the coordinator refused blob ${hash}: HTTP ${res.status} ${await res.text()}`);
  }
}

/**
 * Downloads a stored model and checks it against its on-chain hash; `open` turns a sealed model (model access
 * consortium) into its tensor file.
 */
export async function fetchModel(
  stack: Stack,
  modelHash: string,
  open?: (stored: Uint8Array) => Promise<Uint8Array>,
): Promise<{ bytes: Uint8Array; tensors: NamedTensor[] }> {
  const res = await fetch(`${stack.coordinatorUrl}/v1/blobs/${modelHash.slice(2)}`);
  if (!res.ok) throw new FederationFailedError(`model ${modelHash} is not in the coordinator's store (HTTP ${res.status})`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const actual = sha256Hex(bytes);
  if (actual !== modelHash.toLowerCase()) {
    throw new FederationFailedError(`model bytes hash to ${actual}, the chain says ${modelHash}`);
  }
  return { bytes, tensors: decodeTensors(open ? await open(bytes) : bytes) };
}

/**
 * A chain or store read retried on transient network errors (client's chainStep). In-process training blocks the event
 * loop for seconds, after which a keep-alive connection the server has meanwhile closed fails once with ECONNRESET;
 * the next attempt reconnects.
 */
function transient<T>(what: string, read: () => Promise<T>, log: Logger): Promise<T> {
  return chainStep(what, read, { logger: log, retry: { attempts: 5, baseDelayMs: 200 } });
}

export async function runFederation(stack: Stack, options: FederationOptions): Promise<FederationResult> {
  const log = options.logger;
  const { contracts, accounts, deployment } = stack;
  const taskManagerAs = (signer: Wallet) => contracts.taskManager.connect(signer);
  const participants = accounts.participants.slice(0, options.sites.length);
  if (participants.length < options.sites.length) {
    throw new DemoOptionInvalidError(`the stack has ${participants.length} participant accounts, the demo needs ${options.sites.length}`);
  }

  // 1. The task's artifacts go to the coordinator's content-addressed store (operator token). Under model access
  //    consortium the author seals the initial model with HPKE to the aggregator's on-chain key: only the TEE opens it.
  const artifacts = taskArtifacts(options.task);
  const consortium = options.task.spec.modelAccess === 'consortium';
  if (consortium) {
    artifacts.modelBytes = await sealUpdateToBytes({
      recipientPublicKey: getBytes(await contracts.aggregatorRegistry.hpkePublicKey()),
      context: initialModelEnvelopeContext(BigInt(deployment.chainId), deployment.contracts.modelKeys),
      plaintext: artifacts.modelBytes,
    });
    artifacts.modelHash = sha256Hex(artifacts.modelBytes);
  }
  await putBlob(stack, artifacts.specHash, artifacts.specBytes);
  await putBlob(stack, artifacts.modelHash, artifacts.modelBytes);
  log.info({ spec: artifacts.specHash, model: artifacts.modelHash, bytes: artifacts.modelBytes.length }, `task: spec and initial model stored${consortium ? ' (model access consortium: the initial model is sealed to the TEE)' : ''}`);

  // 2. Governance admits the participants and approves the task with its escrow (3 members, quorum 2).
  const taskId = (await contracts.taskManager.taskCount()) + 1n;
  const admitted = await proposeAndApprove(
    contracts,
    accounts.governance,
    admitCall(deployment, taskId, options.sites.map((s, i) => ({ account: participants[i]!.address, name: s.name }))),
  );
  log.info({ proposal: admitted.proposalId.toString(), votes: admitted.votes, taskId: taskId.toString() }, `governance: admitted ${options.sites.map((s) => s.name).join(', ')}`);
  const params: TaskParams = {
    modelSpecHash: artifacts.specHash,
    initialModelHash: artifacts.modelHash,
    initialModelUri: `blobs/${artifacts.modelHash.slice(2)}`,
    dataSchemaHash: artifacts.dataSchemaHash,
    minParticipants: options.sites.length,
    maxParticipants: options.sites.length,
    roundDuration: options.roundDuration,
    numRounds: options.rounds,
    rewardPerRound: options.rewardPerRound,
  };
  const call = createTaskCall(deployment, params, `Task ${options.task.spec.name}: ${options.rounds} rounds, ${options.sites.length} participants`);
  const created = await proposeAndApprove(contracts, accounts.governance, call);
  const task = await contracts.taskManager.getTask(taskId);
  if (task.params.modelSpecHash !== artifacts.specHash) {
    throw new FederationFailedError(`task ${taskId} is not the task just proposed (another task was created concurrently?)`);
  }
  log.info({ proposal: created.proposalId.toString(), votes: created.votes, taskId: taskId.toString(), escrow: call.value.toString() }, 'governance: task approved, escrow deposited');

  // Consortium: the TEE re-seals the initial model under the task's model key before the participants can train.
  // The demo evaluates every model as a governance member (it may read the model key; the public may not).
  let openSealed: ((stored: Uint8Array) => Promise<Uint8Array>) | undefined;
  if (consortium) {
    const resealDeadline = Date.now() + 60_000;
    while (!(await contracts.modelKeys.sealedModel(taskId, 0).then(() => true, () => false))) {
      if (Date.now() > resealDeadline) throw new FederationFailedError('the aggregator did not re-seal the initial model within 60 s');
      await sleep(200);
    }
    const member = accounts.governance[0]!;
    const memberContracts = { ...contracts, modelKeys: contracts.modelKeys.connect(member) };
    const coordinator = new CoordinatorClient({ baseUrl: stack.coordinatorUrl, signer: member });
    openSealed = (stored) => openConsortiumModel({ contracts: memberContracts, signer: member, coordinator, taskId, stored });
    log.info({ epoch: Number((await contracts.modelKeys.sealedModel(taskId, 0)).epoch) }, 'model access: the TEE re-sealed the initial model under the task key');
  }

  // 3. The participant nodes join (in-process, each with its own account and its own data).
  const evaluator = await GlobalModelEvaluator.create(options.task.spec.model.topology, options.task.spec.training, options.evaluation);
  const nodes = await startParticipants({ stack, taskId, sites: options.sites, wallets: participants, logger: log });
  const rounds: RoundRecord[] = [];
  try {
    const memberToken = await siweLogin(accounts.governance[0]!, contracts.rewardVault);
    // acceptRound is permissionless once the challenge window is over. The coordinator schedules it by wall clock
    // from the block timestamp, and Hardhat's automined blocks run ahead of the wall clock (each block is at least
    // one second after the previous one), so the demo also acts as a keeper and accepts as soon as the chain allows.
    const keeper = taskManagerAs(accounts.deployer);
    const keeperAccept = async (r: number, challengeEndsAt: bigint) => {
      const head = await transient('getBlock', () => stack.provider.getBlock('latest'), log);
      if (!head || BigInt(head.timestamp) < challengeEndsAt) return;
      try {
        await (await keeper.acceptRound(taskId, r)).wait();
        log.debug({ round: r }, 'keeper: round accepted');
      } catch {
        // the coordinator was first
      }
    };
    // Rewards are credited in pages after acceptance (the coordinator does it too; whoever is first, the other's
    // pages find nothing left), so the payouts below see every round's share.
    const keeperCredit = async (r: number) => {
      try {
        await creditRoundRewards(keeper, taskId, BigInt(r));
      } catch {
        // the coordinator was first
      }
    };
    let roundStart = performance.now();
    for (let r = 1; r <= options.rounds; r++) {
      const deadline = Date.now() + options.roundTimeoutSeconds * 1000;
      for (;;) {
        const current = await transient('currentRound', () => contracts.taskManager.currentRound(taskId), log);
        if (current >= BigInt(r)) {
          const round = await transient('getRound', () => contracts.taskManager.getRound(taskId, r), log);
          if (Number(round.state) === 5 /* Accepted */) {
            await keeperCredit(r);
            break;
          }
          if (Number(round.state) === 4 /* Finalized */) await keeperAccept(r, round.challengeEndsAt);
        }
        if (Date.now() > deadline) {
          throw new FederationTimeoutError(`round ${r} of task ${taskId} was not accepted within ${options.roundTimeoutSeconds} s (current round ${current}); last participant error: ${nodes.lastError() ?? 'none'}; see the coordinator/aggregator warnings above`);
        }
        await sleep(200);
      }
      const roundSeconds = (performance.now() - roundStart) / 1000;
      roundStart = performance.now();
      const round = await transient('getRound', () => contracts.taskManager.getRound(taskId, r), log);
      const model = await transient('fetchModel', () => fetchModel(stack, round.modelHash, openSealed), log);
      const evaluation = evaluator.evaluate(model.tensors);
      const committed = await contracts.taskManager.committedParticipants(taskId, r);
      const included: string[] = [];
      const excluded: { participant: string; reason: number }[] = [];
      for (const account of committed) {
        const o = await contracts.rewardVault.scoreOfParticipant(memberToken, taskId, r, account);
        if (o.included) included.push(account);
        else excluded.push({ participant: account, reason: Number(o.reason) });
      }
      const finalized = await contracts.taskManager.queryFilter(contracts.taskManager.filters.RoundFinalized(taskId, r));
      const timing = stack.aggregator.timings.filter((t) => t.taskId === taskId.toString() && t.round === r).pop();
      const nameOf = (a: string) => options.sites[participants.findIndex((p) => p.address === a)]?.name ?? a;
      const record: RoundRecord = {
        round: r,
        participants: included.map(nameOf),
        excluded: excluded.map((e) => ({ participant: nameOf(e.participant), reason: e.reason })),
        perSite: evaluation.perSite,
        meanPerSite: evaluation.meanPerSite,
        pooled: evaluation.pooled,
        aggregationSeconds: timing ? timing.seconds : null,
        roundSeconds,
        modelHash: round.modelHash,
        finalizeTx: finalized.pop()?.transactionHash ?? '',
      };
      rounds.push(record);
      options.onRound?.(record);
    }
  } finally {
    await nodes.stop();
    evaluator.dispose();
  }

  // 4. Payouts: every participant reads its own pending balance (its token) and claims it.
  const payouts: Payout[] = [];
  for (const [i, wallet] of participants.entries()) {
    const token = await siweLogin(wallet, contracts.rewardVault);
    const scores: number[] = [];
    let expected = 0n;
    for (let r = 1; r <= options.rounds; r++) {
      const o = await contracts.rewardVault.scoreOf(token, taskId, r);
      scores.push(Number(o.score));
      expected += (options.rewardPerRound * BigInt(o.score)) / BigInt(SCORE_TOTAL);
    }
    const pending = await contracts.rewardVault.pendingRewardOf(token);
    let claimed = 0n;
    if (pending > 0n) {
      const before = await stack.provider.getBalance(wallet.address);
      const receipt = await (await contracts.rewardVault.connect(wallet).claim()).wait();
      const after = await stack.provider.getBalance(wallet.address);
      const gas = receipt ? receipt.gasUsed * receipt.gasPrice : 0n;
      claimed = after - before + gas;
    }
    payouts.push({ name: options.sites[i]!.name, address: wallet.address, scores, claimedWei: claimed.toString(), expectedWei: expected.toString() });
  }
  // 5. Paid confidential inference on the accepted model, and the revenue split among the contributors.
  let inference: PaidInferenceRecord | null = null;
  if (options.inference) {
    if (consortium) {
      const stored = (await fetch(`${stack.coordinatorUrl}/v1/blobs/${(await contracts.taskManager.getTask(taskId)).currentModelHash.slice(2)}`).then((r) => r.arrayBuffer()));
      log.info(`model access: the accepted model is stored sealed (${isSealedModel(new Uint8Array(stored)) ? 'not a tensor file' : 'PLAINTEXT?'}); only the TEE, the admitted sites and governance can open it`);
    }
    inference = await runPaidInference(stack, {
      taskId,
      test: options.inference.test,
      rows: options.inference.rows,
      sites: payouts.map((p, i) => ({ name: p.name, wallet: participants[i]!, scores: p.scores })),
      logger: log,
    });
  }
  return {
    taskId,
    rounds,
    payouts,
    escrow: call.value,
    specHash: artifacts.specHash,
    tfBackend: tf.getBackend() ?? 'unknown',
    modelAccess: consortium ? 'consortium' : 'public',
    inference,
  };
}

export type { DemoReport };
