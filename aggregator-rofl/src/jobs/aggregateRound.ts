import {
  AggregationJobSchema,
  decodeTensors,
  encodeTensors,
  ROUND_STATE,
  parseTaskSpec,
  sha256Hex,
  validate,
  type AggregationJob,
  type ResolvedTrainingTaskSpec,
} from '@cloister/protocol';
import { InferenceCredit__factory, TaskManager__factory, type TaskManager } from '@cloister/contracts';
import { availableParallelism } from 'node:os';
import { getAddress, type Interface, type Provider } from 'ethers';
import type { Logger } from 'pino';
import type { AppdClient } from '../appd/appdClient';
import {
  AppdTxFailedError,
  ChainMismatchError,
  JobInvalidError,
  RoundNotClosedError,
  TaskSpecInvalidError,
  TooManyUpdatesError,
} from '../errors';
import type { AggregatorKeys } from '../keys/aggregatorKeys';
import { layoutOf, unflatten } from '../model/layout';
import { CentralDp } from '../privacy/centralDp';
import { contributionScores, type ScoreInput } from '../scoring/scores';
import { sketchOf } from '../scoring/sketch';
import type { StateStore } from '../state/stateStore';
import { strategyOf } from '../strategies/createStrategy';
import { REASON, type Exclusion, type PrivacyReport, type RoundContext, type Strategy } from '../strategies/types';
import { InlineChecker, pipelineDepthFor, runUpdatePipeline, sharedOpenerPool, type CheckCounts, type CheckParams, type UpdateChecker } from '../updates';
import type { CoordinatorClient } from './coordinatorClient';
import type { ModelKeyring } from '../modelAccess/modelKeyring';

/** finalizeRound gas: `base + perParticipant × committed` (measured ≈ 26k marginal per participant; 40k leaves room). */
export type FinalizeGas = { base: number; perParticipant: number };
export const DEFAULT_FINALIZE_GAS: FinalizeGas = { base: 500_000, perParticipant: 40_000 };
export function finalizeGasLimit(committed: number, gas: FinalizeGas = DEFAULT_FINALIZE_GAS): number {
  return gas.base + gas.perParticipant * committed;
}

export type AggregateDeps = {
  provider: Provider;
  chainId: bigint;
  taskManagerAddress: string;
  appd: AppdClient;
  keys: AggregatorKeys;
  coordinator: CoordinatorClient;
  stateStore: StateStore;
  log: Logger;
  /** A fixed finalizeRound gas limit; without it `finalizeGas` (default 500k + 40k × committed) applies. */
  finalizeGasLimit?: number;
  finalizeGas?: FinalizeGas;
  /** Updates downloaded/opened ahead of the fold; default from `pipelineMemoryBytes` (see `pipelineDepthFor`). */
  pipelineDepth?: number;
  /** Budget for the in-flight updates' buffers when no depth is given (default 32 MiB). */
  pipelineMemoryBytes?: number;
  /** Check updates on the process-wide opener pool, one thread per core (default: when the machine has more than one core); false: in this thread. */
  openInWorker?: boolean;
  /** Model access `consortium` (tasks whose spec asks for it fail without it). */
  modelKeyring?: ModelKeyring;
  /** InferenceCredit: the round's scores are recorded there after finalize (they earn inference revenue once accepted). */
  inferenceCreditAddress?: string;
  /** Where each update's checks run; overrides `openInWorker` (benches and tests pass their own pool). */
  checker?: UpdateChecker;
  /** Called after each update is processed (tests use it to interrupt a job mid-way). */
  onProgress?: (done: number, total: number) => Promise<void> | void;
};

export type AggregateOutcome =
  | { status: 'already-finalized'; state: number }
  | {
      status: 'finalized';
      modelHash: string;
      modelUri: string;
      metricsHash: string;
      included: string[];
      scores: number[];
      excluded: Exclusion[];
      /** Checks performed on this round's updates (hashes, signatures, openings, validations). */
      checks: CheckCounts;
    };

const FINALIZED_STATES: number[] = [ROUND_STATE.Finalized, ROUND_STATE.Accepted, ROUND_STATE.Rejected];

/** JSON with sorted keys, non-finite numbers as null and bigints as strings: the metrics document's canonical form. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function buildStrategy(spec: ResolvedTrainingTaskSpec): Strategy {
  const strategy = strategyOf(spec.aggregation);
  const dp = spec.aggregation.dp;
  return dp === null ? strategy : new CentralDp(strategy, dp);
}

/**
 * One aggregation job: chain state first (never the job's hints), then fetch → check hash and signature → open →
 * decode → validate → fold for each committed participant, then the server update, upload and finalize. Safe to
 * retry: an already finalized round is reported as done, and state/uploads are idempotent.
 */
export async function aggregateRound(rawJob: unknown, deps: AggregateDeps): Promise<AggregateOutcome> {
  let job: AggregationJob;
  try {
    job = validate(AggregationJobSchema, rawJob, 'AggregationJob');
  } catch (cause) {
    throw new JobInvalidError('aggregation job payload does not match the AggregationJob schema', { cause });
  }
  if (BigInt(job.chainId) !== deps.chainId || getAddress(job.taskManager) !== getAddress(deps.taskManagerAddress)) {
    throw new ChainMismatchError(`job is for chain ${job.chainId} / ${job.taskManager}, this aggregator serves ${deps.chainId} / ${deps.taskManagerAddress}`);
  }
  const taskId = BigInt(job.taskId);
  const round = BigInt(job.round);
  const log = deps.log.child({ taskId: job.taskId, round: job.round });
  const tm: TaskManager = TaskManager__factory.connect(deps.taskManagerAddress, deps.provider);

  // 1. The chain is the truth: round state, committed set, commitments, model and spec hashes. Read once per job,
  //    independent reads in parallel (ethers batches concurrent calls into JSON-RPC batches).
  const [onChain, task, committedRaw] = await Promise.all([tm.getRound(taskId, round), tm.getTask(taskId), tm.committedParticipants(taskId, round)]);
  const state = Number(onChain.state);
  if (FINALIZED_STATES.includes(state)) {
    log.info({ state }, 'aggregate: round already finalized on chain, nothing to do');
    return { status: 'already-finalized', state };
  }
  if (state !== ROUND_STATE.Closed) {
    throw new RoundNotClosedError(`round ${round} of task ${taskId} is in state ${state}, not Closed`, { details: { state } });
  }
  const committed = committedRaw.map((a) => getAddress(a));
  // 2. Commitments, task spec and previous global model at once; blobs verified against the on-chain hashes.
  const commitmentsP = mapBounded(committed, 100, (p) => tm.commitmentOf(taskId, round, p));
  const specP = deps.coordinator.getBlob(task.params.modelSpecHash);
  const previousModelHash = onChain.previousModelHash;
  const previousP = deps.coordinator.getBlob(previousModelHash);
  // Awaited in order below (a bad spec is reported as such); meanwhile no rejection goes unhandled.
  for (const p of [commitmentsP, specP, previousP] as Promise<unknown>[]) p.catch(() => undefined);
  const specBytes = await specP;
  let parsed;
  try {
    parsed = parseTaskSpec(JSON.parse(Buffer.from(specBytes).toString('utf8')));
  } catch (cause) {
    throw new TaskSpecInvalidError(`task ${taskId} spec is not a valid TaskSpec document`, { cause });
  }
  if (parsed.kind !== 'training') {
    throw new TaskSpecInvalidError(`task ${taskId} is a ${parsed.kind} task: this aggregator combines training updates`, {
      details: { kind: parsed.kind },
    });
  }
  const spec = parsed;
  const consortium = spec.modelAccess === 'consortium';
  if (consortium && deps.modelKeyring === undefined) {
    throw new TaskSpecInvalidError(`task ${taskId} has model access "consortium" but this aggregator has no ModelKeyRegistry (MODEL_KEYS_ADDRESS)`);
  }
  // Under consortium the previous model is sealed (or, in round 1, HPKE-sealed by the author): it opens only here.
  const previousStored = await previousP;
  const previous = decodeTensors(consortium ? await deps.modelKeyring!.openStored(taskId, previousStored) : previousStored);
  const commitments = await commitmentsP;
  const layout = layoutOf(previous);

  const strategy = buildStrategy(spec);
  const context: RoundContext = { taskId, round, layout, stateStore: deps.stateStore };
  await strategy.initialize(context);
  const config = strategy.configureRound(context);
  if (committed.length > config.maxUpdates) {
    throw new TooManyUpdatesError(`${committed.length} commitments exceed ${strategy.name}'s bound of ${config.maxUpdates} updates in memory`);
  }
  log.info({ strategy: strategy.name, committed: committed.length, modelSize: layout.size }, 'aggregate: start');

  // 3. Fetch, check, open, validate and fold each committed update. Pipelined: up to `pipelineDepth` updates are
  //    downloaded and checked/opened (in the open worker) ahead of the fold, which runs in committed order in this
  //    thread. Memory: depth slots of (ciphertext + plaintext) buffers, reused, plus one accumulator.
  const aggregator = strategy.beginAggregation(layout);
  const excluded: Exclusion[] = [];
  const accepted = new Map<string, ScoreInput & { metrics: Record<string, number> }>();
  const params: CheckParams = { keys: deps.keys.hpke, layout, normBound: spec.aggregation.updateNormBound };
  const checker: UpdateChecker = deps.checker ?? ((deps.openInWorker ?? availableParallelism() > 1) ? sharedOpenerPool() : new InlineChecker());
  const exclude = (participant: string, reason: Exclusion['reason'], detail: string) => {
    excluded.push({ participant, reason, detail });
    log.warn({ participant, reason, detail }, 'aggregate: update excluded');
  };
  const depth = pipelineDepthFor(layout.size, deps.pipelineDepth, deps.pipelineMemoryBytes);
  log.debug({ depth, threads: checker.threads }, 'aggregate: pipeline');
  const checks = await runUpdatePipeline({
    count: committed.length,
    depth,
    checker,
    params,
    fetch: async (i, slot) => {
      const participant = committed[i]!;
      const fetched = await deps.coordinator.getUpdate(taskId, round, participant, { reuse: slot.ciphertext });
      if (fetched === null) return null;
      // Read in place into the slot's buffer, grown when a larger ciphertext arrives. Not hashed here: on the opener
      // pool the hash runs in the update's worker thread; inline, `authenticate` hashes it in this thread.
      if (fetched.buffer !== undefined) slot.ciphertext = fetched.buffer;
      const context = { chainId: deps.chainId, contractAddress: deps.taskManagerAddress, taskId, round, participant };
      return { ciphertext: fetched.ciphertext, sha256: fetched.sha256, signature: fetched.signature, commitment: commitments[i]!, context };
    },
    fold: async (i, result) => {
      const participant = committed[i]!;
      if (result === null) {
        exclude(participant, REASON.MissingUpload, 'the coordinator has no upload for this commitment');
      } else if (!result.ok) {
        exclude(participant, result.reason, result.detail);
      } else {
        aggregator.add({ participant, numExamples: result.numExamples, update: result.flat, metrics: result.metrics });
        accepted.set(participant, { participant, numExamples: result.numExamples, sketch: result.sketch, metrics: result.metrics });
      }
      await deps.onProgress?.(i + 1, committed.length);
    },
  });
  log.info({ ...checks, committed: committed.length }, 'aggregate: checks performed');

  // 4. Combine, server update, new model = previous + delta.
  const combined = aggregator.finish();
  for (const e of combined.excluded) {
    excluded.push(e);
    accepted.delete(e.participant);
  }
  const included = combined.included;
  const newFlat = new Float32Array(layout.size);
  previous.forEach((t, k) => newFlat.set(t.data, layout.entries[k]!.offset));
  let serverMetrics: Record<string, number> = {};
  let privacy: PrivacyReport | null = null;
  if (included.length > 0) {
    const server = await strategy.applyServerUpdate(combined.combined, context);
    serverMetrics = server.metrics;
    privacy = server.privacy ?? null;
    for (let j = 0; j < newFlat.length; j += 1) newFlat[j]! += server.delta[j]!;
  } else {
    log.warn('aggregate: no update passed validation; the model is carried over unchanged');
  }
  const plainModel = encodeTensors(unflatten(newFlat, layout));
  // Under consortium only the sealed file leaves the TEE; the chain's model hash is the ciphertext's (what is stored),
  // and ModelKeyRegistry records both hashes (clients check the plaintext hash after decryption).
  const sealedModel = consortium ? await deps.modelKeyring!.seal(taskId, round, plainModel) : null;
  const modelBytes = sealedModel?.sealed ?? plainModel;
  const modelHash = sha256Hex(modelBytes);
  const modelUri = `blobs/${modelHash.slice(2)}`;

  // 5. Scores (examples × positive alignment with the combined delta; fallback: example share).
  const inputs = included.map((p) => accepted.get(p)!);
  const { scores, alignments, fallback } = contributionScores(inputs, sketchOf(combined.combined));
  const orderOf = new Map(committed.map((p, k) => [p, k]));
  excluded.sort((a, b) => orderOf.get(a.participant)! - orderOf.get(b.participant)!);

  const metricsDoc = {
    version: 1,
    chainId: deps.chainId.toString(),
    taskManager: getAddress(deps.taskManagerAddress),
    taskId: taskId.toString(),
    round: Number(round),
    strategy: strategy.name,
    previousModelHash,
    modelHash,
    committed: committed.length,
    included: included.map((p, k) => ({ participant: p, numExamples: accepted.get(p)!.numExamples, alignment: alignments[k] })),
    excluded: excluded.map((e) => ({ participant: e.participant, reason: e.reason })),
    scoreFallback: fallback,
    participantMetrics: strategy.aggregateEvaluate(inputs),
    aggregation: combined.metrics,
    server: serverMetrics,
    dp: privacy,
  };
  const metricsBytes = Buffer.from(canonicalJson(metricsDoc), 'utf8');
  const metricsHash = sha256Hex(metricsBytes);

  // 6. Upload, re-check, finalize through appd.
  const [, , latest] = await Promise.all([deps.coordinator.putBlob(modelBytes), deps.coordinator.putBlob(metricsBytes), tm.getRound(taskId, round)]);
  const before = Number(latest.state);
  if (FINALIZED_STATES.includes(before)) {
    log.info({ state: before }, 'aggregate: finalized meanwhile by another attempt');
    return { status: 'already-finalized', state: before };
  }
  if (sealedModel !== null) await deps.modelKeyring!.record(taskId, round, sealedModel.epoch, plainModel, modelBytes);
  const data = tm.interface.encodeFunctionData('finalizeRound', [
    taskId,
    round,
    modelHash,
    modelUri,
    included,
    scores,
    excluded.map((e) => e.participant),
    excluded.map((e) => e.reason),
    metricsHash,
  ]);
  try {
    await deps.appd.signSubmit({ to: deps.taskManagerAddress, data, gasLimit: deps.finalizeGasLimit ?? finalizeGasLimit(committed.length, deps.finalizeGas) });
  } catch (error) {
    if (error instanceof AppdTxFailedError) {
      const after = Number((await tm.getRound(taskId, round)).state);
      if (FINALIZED_STATES.includes(after)) {
        log.info({ state: after }, 'aggregate: finalize raced with another attempt; the round is finalized');
        return { status: 'already-finalized', state: after };
      }
    }
    throw error;
  }
  log.info({ modelHash, included: included.length, excluded: excluded.length, metricsHash }, 'aggregate: finalized');
  if (deps.inferenceCreditAddress !== undefined && included.length > 0) {
    await recordContributions(deps, taskId, round, Number(onChain.attempt), included, scores, log);
  }
  return { status: 'finalized', modelHash, modelUri, metricsHash, included, scores, excluded, checks };
}

/**
 * Records the finalized scores in InferenceCredit (they count for inference revenue once the round is accepted). A
 * failure is logged, not thrown: the round is finalized, and a retried job would find it finalized and stop earlier.
 */
async function recordContributions(
  deps: AggregateDeps,
  taskId: bigint,
  round: bigint,
  attempt: number,
  included: string[],
  scores: number[],
  log: Logger,
): Promise<void> {
  const data = InferenceCredit__factory.createInterface().encodeFunctionData('recordContributions', [taskId, round, attempt, included, scores]);
  try {
    await deps.appd.signSubmit({ to: deps.inferenceCreditAddress!, data, gasLimit: 200_000 + 70_000 * included.length });
  } catch (err) {
    log.error({ err }, 'aggregate: recording the scores for inference revenue failed');
  }
}

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const k = next;
      next += 1;
      out[k] = await fn(items[k]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** Contract interfaces whose custom errors appd failures are decoded with. */
export function contractErrorInterfaces(): Interface[] {
  return [TaskManager__factory.createInterface(), InferenceCredit__factory.createInterface()];
}

