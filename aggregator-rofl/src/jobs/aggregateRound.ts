import {
  AggregationJobSchema,
  canonicalJson,
  decodeTensors,
  encodeTensors,
  isSealedModel,
  ROUND_FAILURE_REASON,
  ROUND_STATE,
  isTrainingTaskSpec,
  parseTaskSpec,
  sha256Hex,
  validate,
  type AggregationJob,
  type NamedTensor,
  type ResolvedTrainingTaskSpec,
  type RoundFailureReason,
  type ScoringMethod,
  type TaskSpec,
} from '@cloister/protocol';
import { DEFAULT_OUTCOME_PAGE_SIZE, InferenceCredit__factory, outcomePages, TaskManager__factory, type TaskManager } from '@cloister/contracts';
import { availableParallelism } from 'node:os';
import { getAddress, type Interface, type Provider } from 'ethers';
import type { Logger } from 'pino';
import type { AppdClient } from '../appd/appdClient';
import {
  AppdTxFailedError,
  AppdUnavailableError,
  BlobHashMismatchError,
  ChainMismatchError,
  CoordinatorHttpError,
  JobInvalidError,
  ModelKeyUnavailableError,
  ModelUnavailableError,
  RoundNotClosedError,
  TaskSpecInvalidError,
  TooManyUpdatesError,
} from '../errors';
import type { AggregatorKeys } from '../keys/aggregatorKeys';
import { layoutOf, unflatten } from '../model/layout';
import { CentralDp } from '../privacy/centralDp';
import { largestRemainder, type ScoreInput } from '../scoring/scores';
import type { StateStore } from '../state/stateStore';
import { strategyOf } from '../strategies/createStrategy';
import { REASON, type Exclusion, type PrivacyReport, type RoundContext, type Strategy } from '../strategies/types';
import { InlineChecker, pipelineDepthFor, runUpdatePipeline, sharedOpenerPool, type CheckCounts, type CheckParams, type LinearFoldRequest, type UpdateChecker } from '../updates';
import type { CoordinatorClient } from './coordinatorClient';
import type { ModelKeyring } from '../modelAccess/modelKeyring';
import { ValidationEvaluator } from '../evaluation/validationEvaluator';
import { loadValidationSet } from '../evaluation/loadValidationSet';
import { keptPrecisionFor, setCoalitionCoefficients, UpdateStore } from '../scoring/coalitions';
import { scoreRound } from '../scoring/roundScores';
import { checkExampleCount, exampleCountBounds } from '../updates/exampleCountBound';
import { failRoundOnChain, failureReasonName, failureReasonOf } from './failRound';
import { combineStatistics, saveStatisticsCounts, type StatisticsInput } from './statisticsRound';

/**
 * Outcome page gas: `base + perParticipant × accounts in the page` (reportOutcomes measured ≈ 26k marginal per
 * account; 40k leaves room); finalizeRound, which no longer depends on the round's size, gets `base`.
 */
export type FinalizeGas = { base: number; perParticipant: number };
export const DEFAULT_FINALIZE_GAS: FinalizeGas = { base: 500_000, perParticipant: 40_000 };
export function finalizeGasLimit(accounts: number, gas: FinalizeGas = DEFAULT_FINALIZE_GAS): number {
  return gas.base + gas.perParticipant * accounts;
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
  /** Outcome page gas (default 500k + 40k × accounts in the page); finalizeRound gets the base. */
  finalizeGas?: FinalizeGas;
  /** Accounts per reportOutcomes transaction (default 200: ≈ 5.3M gas, well inside a block). */
  outcomePageSize?: number;
  /**
   * This is the job's last attempt: an error that would otherwise be retried ends the round (AGGREGATION_FAILED)
   * instead of leaving it Closed forever.
   */
  finalAttempt?: boolean;
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
  /** Budget for the updates kept to rebuild coalition models (validation-based scores); default 256 MiB. */
  scoringMemoryBytes?: number;
  /** Called after each update is processed (tests use it to interrupt a job mid-way). */
  onProgress?: (done: number, total: number) => Promise<void> | void;
};

export type AggregateOutcome =
  | { status: 'already-finalized'; state: number }
  /** The round had failed on chain already (another attempt of this job, or too few commitments). */
  | { status: 'already-ended'; state: number }
  /** This job failed the round on chain with `reason` (ROUND_FAILURE_REASON); nothing was published or paid. */
  | { status: 'failed'; reason: RoundFailureReason; detail: string; excluded: Exclusion[] }
  | {
      status: 'finalized';
      modelHash: string;
      modelUri: string;
      metricsHash: string;
      included: string[];
      scores: number[];
      excluded: Exclusion[];
      /** reportOutcomes transactions this job sent (fewer when a previous attempt had reported some). */
      pages: number;
      /** Checks performed on this round's updates (hashes, signatures, openings, validations). */
      checks: CheckCounts;
    };

const FINALIZED_STATES: number[] = [ROUND_STATE.Finalized, ROUND_STATE.Accepted, ROUND_STATE.Rejected];

/** Orders addresses by their 20 bytes (case-insensitive hexadecimal). */
function compareAddresses(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export function buildStrategy(spec: ResolvedTrainingTaskSpec): Strategy {
  const strategy = strategyOf(spec.aggregation);
  const dp = spec.aggregation.dp;
  return dp === null ? strategy : new CentralDp(strategy, dp);
}

/**
 * One aggregation job: chain state first (never the job's hints), then fetch → check hash and signature → open →
 * decode → validate → fold for each committed participant; then either the privacy floor fails the round (fewer
 * included than the task's minParticipants: nothing is published), or the server update, upload, outcome pages and
 * finalize. A spec the aggregator refuses, a previous model that does not verify, and an error a retry cannot fix
 * (or any error on the final attempt) fail the round on chain with their reason instead of being retried forever.
 * Safe to retry: an already finalized or failed round is reported as done, pages already reported are skipped, and
 * state/uploads are idempotent.
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
  try {
    return await aggregateClosedRound(taskId, round, tm, log, deps);
  } catch (error) {
    const reason = failureReasonOf(error, deps.finalAttempt === true);
    if (reason === null) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    log.error({ err: error, reason: failureReasonName(reason) }, 'aggregate: the round cannot be finalized; failing it on chain');
    return endRound({ tm, taskManagerAddress: deps.taskManagerAddress, appd: deps.appd, log }, taskId, round, reason, detail, []);
  }
}

async function endRound(
  failDeps: Parameters<typeof failRoundOnChain>[0],
  taskId: bigint,
  round: bigint,
  reason: RoundFailureReason,
  detail: string,
  excluded: Exclusion[],
): Promise<AggregateOutcome> {
  if ((await failRoundOnChain(failDeps, taskId, round, reason)) === 'failed') return { status: 'failed', reason, detail, excluded };
  const state = Number((await failDeps.tm.getRound(taskId, round)).state);
  return FINALIZED_STATES.includes(state) ? { status: 'already-finalized', state } : { status: 'already-ended', state };
}

async function aggregateClosedRound(taskId: bigint, round: bigint, tm: TaskManager, log: Logger, deps: AggregateDeps): Promise<AggregateOutcome> {
  // 1. The chain is the truth: round state, committed set, commitments, model and spec hashes. Read once per job,
  //    independent reads in parallel (ethers batches concurrent calls into JSON-RPC batches).
  const [onChain, task, committedRaw] = await Promise.all([tm.getRound(taskId, round), tm.getTask(taskId), tm.committedParticipants(taskId, round)]);
  const state = Number(onChain.state);
  if (FINALIZED_STATES.includes(state)) {
    log.info({ state }, 'aggregate: round already finalized on chain, nothing to do');
    return { status: 'already-finalized', state };
  }
  if (state === ROUND_STATE.Failed) {
    log.info({ state, failureReason: Number(onChain.failureReason) }, 'aggregate: round already failed on chain, nothing to do');
    return { status: 'already-ended', state };
  }
  if (state !== ROUND_STATE.Closed) {
    throw new RoundNotClosedError(`round ${round} of task ${taskId} is in state ${state}, not Closed`, { details: { state } });
  }
  // Folded, scored and reported in address order, not commit order: floating-point sums depend on their order, and
  // the order in which commit transactions were mined is chance, so the model, the scores and the metrics document
  // (and their hashes) are a function of the set of updates only; anyone holding the updates recomputes the same.
  const committed = committedRaw.map((a) => getAddress(a)).sort((a, b) => compareAddresses(a, b));
  // 2. Commitments, task spec and previous global model at once; blobs verified against the on-chain hashes.
  const commitmentsP = mapBounded(committed, 100, (p) => tm.commitmentOf(taskId, round, p));
  const specP = deps.coordinator.getBlob(task.params.modelSpecHash);
  const previousModelHash = onChain.previousModelHash;
  const previousP = deps.coordinator.getBlob(previousModelHash);
  // Awaited in order below (a bad spec is reported as such); meanwhile no rejection goes unhandled.
  for (const p of [commitmentsP, specP, previousP] as Promise<unknown>[]) p.catch(() => undefined);
  // A blob the coordinator has but that does not hash to its on-chain value, or does not have at all (404), cannot
  // be had by retrying: the round ends. Any other fetch error (coordinator unreachable, 5xx) is retried.
  const definitelyMissing = (cause: unknown) =>
    cause instanceof BlobHashMismatchError || (cause instanceof CoordinatorHttpError && cause.details?.status === 404);
  const fetched = async (blob: Promise<Uint8Array>, refuse: (cause: unknown) => Error): Promise<Uint8Array> => {
    try {
      return await blob;
    } catch (cause) {
      throw definitelyMissing(cause) ? refuse(cause) : cause;
    }
  };
  const specRefused = (cause: unknown) =>
    new TaskSpecInvalidError(`task ${taskId} spec is missing, does not hash to its on-chain value, or is not a valid TaskSpec document`, { cause });
  const modelUnavailable = (cause: unknown) =>
    new ModelUnavailableError(`the previous model ${previousModelHash} is missing, does not hash to its on-chain value, or cannot be decoded`, { cause });
  const specBytes = await fetched(specP, specRefused);
  let parsed: TaskSpec;
  try {
    parsed = parseTaskSpec(JSON.parse(Buffer.from(specBytes).toString('utf8')));
  } catch (cause) {
    throw specRefused(cause);
  }
  const previousBytes = await fetched(previousP, modelUnavailable);
  // A statistics task folds empty deltas; its result is the statistics document, not a model update.
  const spec = isTrainingTaskSpec(parsed) ? parsed : null;
  const statisticsFeatures = parsed.kind === 'statistics' ? parsed.data.features : null;
  const consortium = spec?.modelAccess === 'consortium';
  if (consortium && deps.modelKeyring === undefined) {
    throw new TaskSpecInvalidError(`task ${taskId} has model access "consortium" but this aggregator has no ModelKeyRegistry (CLOISTER_MODEL_KEYS_ADDRESS)`);
  }
  let previous: NamedTensor[];
  try {
    // Under consortium the previous model is sealed (or, in round 1, HPKE-sealed by the author): it opens only here.
    previous = decodeTensors(consortium ? await deps.modelKeyring!.openStored(taskId, previousBytes) : previousBytes);
  } catch (cause) {
    // appd not answering is an outage (retried); a model that does not open or decode cannot be had by retrying
    if (cause instanceof ModelKeyUnavailableError || cause instanceof AppdUnavailableError) throw cause;
    throw modelUnavailable(cause);
  }
  const commitments = await commitmentsP;
  const layout = layoutOf(previous);
  const previousFlat = new Float32Array(layout.size);
  previous.forEach((t, k) => previousFlat.set(t.data, layout.entries[k]!.offset));

  const bounds = spec ? exampleCountBounds(spec) : null;
  const strategy = spec ? buildStrategy(spec) : strategyOf({ strategy: 'fedavg', params: {} });
  const context: RoundContext = { taskId, round, layout, stateStore: deps.stateStore };
  // The validation set is opened here, in the TEE, and only here; its model runtime serves FLTrust and the scores.
  const validationExamples = spec ? await loadValidationSet(spec, { getBlob: (h) => deps.coordinator.getBlob(h), keys: deps.keys.hpke, chainId: deps.chainId, taskManagerAddress: deps.taskManagerAddress }) : null;
  const evaluator =
    spec === null || validationExamples === null
      ? undefined
      : await ValidationEvaluator.create({ topology: spec.model.topology, training: spec.training, previous: previousFlat, layout, data: validationExamples, seed: Number(round) });
  if (evaluator !== undefined) context.validation = evaluator;
  const rest = async (): Promise<AggregateOutcome> => {
  await strategy.initialize(context);
  const config = strategy.configureRound(context);
  if (committed.length > config.maxUpdates) {
    throw new TooManyUpdatesError(`${committed.length} commitments exceed ${strategy.name}'s bound of ${config.maxUpdates} updates in memory`);
  }
  const scoringMethod: ScoringMethod = spec ? spec.scoring.method : 'alignment';
  // Validation-based scores rebuild coalition models from the round's updates: keep them within the memory budget.
  const store =
    scoringMethod !== 'alignment' && evaluator !== undefined
      ? new UpdateStore(layout.size, keptPrecisionFor(committed.length, layout.size, deps.scoringMemoryBytes), await lastGlobalStep(tm, taskId, round, previousModelHash, previousFlat, deps))
      : null;
  log.info({ strategy: strategy.name, committed: committed.length, modelSize: layout.size, scoring: scoringMethod, kept: store?.precision }, 'aggregate: start');

  // 3. Fetch, check, open, validate and fold each committed update. Pipelined: up to `pipelineDepth` updates are
  //    downloaded and checked/opened (on the opener pool) ahead of the fold, which decides in committed order in this
  //    thread; a linear aggregate's sum is then done on the pool, in the same order. Memory: depth slots (one buffer
  //    each: ciphertext, then the plaintext opened over it), plus one accumulator.
  const aggregator = strategy.beginAggregation(layout);
  const excluded: Exclusion[] = [];
  const accepted = new Map<string, ScoreInput & { metrics: Record<string, number> }>();
  let clamped = 0;
  const params: CheckParams = { keys: deps.keys.hpke, layout, normBound: spec ? spec.aggregation.updateNormBound : 1 };
  const checker: UpdateChecker = deps.checker ?? ((deps.openInWorker ?? availableParallelism() > 1) ? sharedOpenerPool() : new InlineChecker());
  const exclude = (participant: string, reason: Exclusion['reason'], detail: string) => {
    excluded.push({ participant, reason, detail });
    log.warn({ participant, reason, detail }, 'aggregate: update excluded');
  };
  const depth = pipelineDepthFor(layout.size, deps.pipelineDepth, deps.pipelineMemoryBytes);
  // A weighted-sum aggregate is folded on the threads that open the updates (both cores; the same bits as here).
  const linear = checker.threads > 0 ? aggregator.linear : undefined;
  log.debug({ depth, threads: checker.threads, foldOnPool: linear !== undefined }, 'aggregate: pipeline');
  const checks = await runUpdatePipeline({
    count: committed.length,
    depth,
    checker,
    params,
    linear: linear?.target,
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
      let linearFold: LinearFoldRequest | undefined;
      if (result === null) {
        exclude(participant, REASON.MissingUpload, 'the coordinator has no upload for this commitment');
      } else if (!result.ok) {
        exclude(participant, result.reason, result.detail);
      } else {
        // The example count is the participant's word: held to its declared bound before it weighs anything.
        const count = checkExampleCount(participant, result.numExamples, bounds);
        if (!count.ok) {
          exclude(participant, count.reason, count.detail);
        } else {
          if (count.clamped) clamped += 1;
          const fit = { participant, numExamples: count.numExamples, metrics: result.metrics };
          store?.add(participant, result.flat);
          accepted.set(participant, { participant, numExamples: count.numExamples, sketch: result.sketch, metrics: result.metrics });
          if (linear !== undefined) linearFold = { weight: linear.record(fit) };
          else aggregator.add({ ...fit, update: result.flat });
        }
      }
      await deps.onProgress?.(i + 1, committed.length);
      return linearFold;
    },
  });
  log.info({ ...checks, committed: committed.length }, 'aggregate: checks performed');
  const minParticipants = Number(task.params.minParticipants);
  const finalize = (result: Published) => publishAndFinalize({ deps, tm, log, taskId, round, attempt: Number(onChain.attempt), checks, ...result });

  if (statisticsFeatures !== null) {
    const statistics = finishStatistics({ deps, taskId, round, committed, excluded, previousModelHash, features: statisticsFeatures, inputs: [...accepted.values()], log });
    if (statistics.included.length < minParticipants) {
      const detail = `${statistics.included.length} of ${committed.length} committed statistics passed the checks, fewer than the task's minimum of ${minParticipants}`;
      log.warn({ included: statistics.included.length, minParticipants }, 'aggregate: below the privacy floor; failing the round instead of publishing');
      return endRound({ tm, taskManagerAddress: deps.taskManagerAddress, appd: deps.appd, log }, taskId, round, ROUND_FAILURE_REASON.BelowPrivacyFloor, detail, statistics.excluded);
    }
    await saveStatisticsCounts(deps.stateStore, taskId, statistics.perSiteCounts);
    return finalize(statistics);
  }

  // 4. Combine; the privacy floor; server update, new model = previous + delta.
  const combined = aggregator.finish();
  for (const e of combined.excluded) {
    excluded.push(e);
    accepted.delete(e.participant);
    store?.delete(e.participant);
  }
  const included = combined.included;
  const orderOf = new Map(committed.map((p, k) => [p, k]));
  excluded.sort((a, b) => orderOf.get(a.participant)! - orderOf.get(b.participant)!);
  if (included.length < minParticipants) {
    // Publishing an aggregate of fewer updates than the task's minimum would reveal too much of each (one included
    // update would be published as the "aggregate"): nothing is sealed, uploaded or paid; the round fails.
    const detail = `${included.length} of ${committed.length} committed updates passed validation, fewer than the task's minimum of ${minParticipants}`;
    log.warn({ included: included.length, minParticipants }, 'aggregate: below the privacy floor; failing the round instead of publishing');
    return endRound({ tm, taskManagerAddress: deps.taskManagerAddress, appd: deps.appd, log }, taskId, round, ROUND_FAILURE_REASON.BelowPrivacyFloor, detail, excluded);
  }
  const newFlat = new Float32Array(layout.size);
  previous.forEach((t, k) => newFlat.set(t.data, layout.entries[k]!.offset));
  const server = await strategy.applyServerUpdate(combined.combined, context);
  const serverMetrics: Record<string, number> = server.metrics;
  const privacy: PrivacyReport | null = server.privacy ?? null;
  for (let j = 0; j < newFlat.length; j += 1) newFlat[j]! += server.delta[j]!;
  const plainModel = encodeTensors(unflatten(newFlat, layout));
  // Under consortium only the sealed file leaves the TEE; the chain's model hash is the ciphertext's (what is stored),
  // and ModelKeyRegistry records both hashes (clients check the plaintext hash after decryption).
  const sealedModel = consortium ? await deps.modelKeyring!.seal(taskId, round, plainModel) : null;
  const modelBytes = sealedModel?.sealed ?? plainModel;
  const modelHash = sha256Hex(modelBytes);

  // 5. Scores by the spec's method: alignment (default), or leave-one-out / GTG-Shapley on the validation set with
  //    coalition models rebuilt with the coefficients the strategy combined the updates with.
  const inputs = included.map((p) => accepted.get(p)!);
  if (store !== null) setCoalitionCoefficients(store, included, combined.coefficients, config.weighting, (p) => accepted.get(p)!.numExamples);
  const scoring = await scoreRound({
    method: scoringMethod,
    sampleBudget: spec?.scoring.sampleBudget,
    included: inputs,
    combined: combined.combined,
    store,
    validation: evaluator,
    seed: Number((taskId * 1_000_003n + round) % 4_294_967_296n),
  });
  const scores = scoring.scores;
  const validationFigures =
    evaluator === undefined
      ? null
      : await (async () => {
          const delta = new Float32Array(layout.size);
          for (let j = 0; j < delta.length; j += 1) delta[j] = newFlat[j]! - previousFlat[j]!;
          const after = await evaluator.evaluate(delta);
          return { examples: evaluator.examples, loss: after.loss, ...after.metrics, evaluations: evaluator.evaluations };
        })();
  const exclusionsByReason: Record<string, number> = {};
  for (const e of excluded) exclusionsByReason[String(e.reason)] = (exclusionsByReason[String(e.reason)] ?? 0) + 1;

  const metricsDoc = {
    version: 1,
    chainId: deps.chainId.toString(),
    taskManager: getAddress(deps.taskManagerAddress),
    taskId: taskId.toString(),
    round: Number(round),
    strategy: strategy.name,
    previousModelHash,
    modelHash,
    // Aggregate figures only: who was included and each one's examples, alignment or contribution would let anyone
    // recompute the confidential scores. Per-participant outcomes go only to the contract's confidential state.
    committed: committed.length,
    included: included.length,
    excluded: excluded.length,
    exclusionsByReason,
    examplesClamped: clamped,
    scoring: scoring.summary,
    validation: validationFigures,
    participantMetrics: strategy.aggregateEvaluate(inputs),
    evaluation: federatedEvaluation(inputs),
    aggregation: combined.metrics,
    server: serverMetrics,
    dp: privacy,
  };
  return finalize({ modelBytes, metricsDoc, included, scores, excluded, ...(sealedModel ? { sealed: { epoch: sealedModel.epoch, plainModel } } : {}) });
  };
  try {
    return await rest();
  } finally {
    evaluator?.dispose();
  }
}

/**
 * The last global step (this round's previous model − the previous round's), public knowledge the scores do not pay
 * for (see UpdateStore). Null in the first round or when that model is not the same shape.
 */
async function lastGlobalStep(
  tm: TaskManager,
  taskId: bigint,
  round: bigint,
  previousModelHash: string,
  previousFlat: Float32Array,
  deps: AggregateDeps,
): Promise<Float32Array | null> {
  if (round <= 1n) return null;
  const before = await tm.getRound(taskId, round - 1n);
  if (BigInt(before.previousModelHash) === 0n || before.previousModelHash === previousModelHash) return null;
  const stored = await deps.coordinator.getBlob(before.previousModelHash);
  // Under model access consortium the older model is sealed too: it opens only here, in the TEE.
  const tensors = decodeTensors(deps.modelKeyring !== undefined && (isSealedModel(stored) || isEnvelope(stored)) ? await deps.modelKeyring.openStored(taskId, stored) : stored);
  const older = new Float32Array(previousFlat.length);
  let offset = 0;
  for (const t of tensors) {
    if (offset + t.data.length > older.length) return null;
    older.set(t.data, offset);
    offset += t.data.length;
  }
  if (offset !== older.length) return null;
  for (let j = 0; j < older.length; j += 1) older[j] = previousFlat[j]! - older[j]!;
  return older;
}

/** The author's HPKE-sealed initial model (envelope magic "CLSE"). */
function isEnvelope(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x43 && bytes[1] === 0x4c && bytes[2] === 0x53 && bytes[3] === 0x45;
}

/** What a round publishes: the model (or a statistics result document), its metrics document and the outcomes. */
type Published = {
  modelBytes: Uint8Array;
  metricsDoc: Record<string, unknown>;
  included: string[];
  scores: number[];
  excluded: Exclusion[];
  /** Model access consortium: `modelBytes` is the sealed file of `plainModel`, under the key of `epoch`. */
  sealed?: { epoch: number; plainModel: Uint8Array };
};

type PublishInput = Published & { deps: AggregateDeps; tm: TaskManager; log: Logger; taskId: bigint; round: bigint; attempt: number; checks: CheckCounts };

/** 6. Re-check, upload the model and metrics while the outcome pages are reported, finalize through appd. */
async function publishAndFinalize({ deps, tm, log, taskId, round, attempt, checks, modelBytes, metricsDoc, included, scores, excluded, sealed }: PublishInput): Promise<AggregateOutcome> {
  const modelHash = sha256Hex(modelBytes);
  const modelUri = `blobs/${modelHash.slice(2)}`;
  const metricsBytes = Buffer.from(canonicalJson(metricsDoc), 'utf8');
  const metricsHash = sha256Hex(metricsBytes);

  const latest = await tm.getRound(taskId, round);
  const before = Number(latest.state);
  if (before !== ROUND_STATE.Closed) {
    log.info({ state: before }, 'aggregate: the round was ended meanwhile by another attempt');
    return FINALIZED_STATES.includes(before) ? { status: 'already-finalized', state: before } : { status: 'already-ended', state: before };
  }
  // Only finalizeRound names the model and its metrics, so their upload runs while the outcome pages are reported
  // and finalize alone waits for it: the upload leaves the round's critical path (publishing 10 × 1M: 108–125 ms
  // instead of 151–163, median of 8 rounds).
  const uploaded = Promise.all([deps.coordinator.putBlob(modelBytes), deps.coordinator.putBlob(metricsBytes)]);
  // Awaited before finalize; when a page fails first, the upload's own failure must not go unhandled.
  void uploaded.catch(() => undefined);
  // A previous attempt may have reported some pages before it died: the outcomes are the same (same chain state,
  // same updates), in the same order, so the accounts it reported are skipped. Anything else makes a page revert
  // and the job retry; its final attempt fails the round.
  const reported = Number(latest.reportedCount);
  const skipIncluded = Math.min(reported, included.length);
  const skipExcluded = Math.max(0, reported - included.length);
  const remaining = {
    included: included.slice(skipIncluded),
    scores: scores.slice(skipIncluded),
    excluded: excluded.slice(skipExcluded).map((e) => e.participant),
    reasons: excluded.slice(skipExcluded).map((e) => e.reason),
  };
  const pages = remaining.included.length + remaining.excluded.length === 0 ? [] : outcomePages(remaining, deps.outcomePageSize ?? DEFAULT_OUTCOME_PAGE_SIZE);
  if (reported > 0) log.info({ reported, pages: pages.length }, 'aggregate: resuming after the outcome pages a previous attempt reported');
  const ended = async (error: unknown): Promise<AggregateOutcome> => {
    if (error instanceof AppdTxFailedError) {
      const after = Number((await tm.getRound(taskId, round)).state);
      if (FINALIZED_STATES.includes(after)) {
        log.info({ state: after }, 'aggregate: finalize raced with another attempt; the round is finalized');
        return { status: 'already-finalized', state: after };
      }
      if (after === ROUND_STATE.Failed) return { status: 'already-ended', state: after };
    }
    throw error;
  };
  const gas = deps.finalizeGas ?? DEFAULT_FINALIZE_GAS;
  for (const page of pages) {
    const data = tm.interface.encodeFunctionData('reportOutcomes', [taskId, round, page.included, page.scores, page.excluded, page.reasons]);
    try {
      await deps.appd.signSubmit({ to: deps.taskManagerAddress, data, gasLimit: finalizeGasLimit(page.included.length + page.excluded.length, gas) });
    } catch (error) {
      return ended(error);
    }
  }
  await uploaded;
  if (sealed !== undefined) await deps.modelKeyring!.record(taskId, round, sealed.epoch, sealed.plainModel, modelBytes);
  const data = tm.interface.encodeFunctionData('finalizeRound', [taskId, round, modelHash, modelUri, metricsHash]);
  try {
    await deps.appd.signSubmit({ to: deps.taskManagerAddress, data, gasLimit: gas.base });
  } catch (error) {
    return ended(error);
  }
  log.info({ modelHash, included: included.length, excluded: excluded.length, pages: pages.length, metricsHash }, 'aggregate: finalized');
  if (deps.inferenceCreditAddress !== undefined && included.length > 0) {
    await recordContributions(deps, taskId, round, attempt, included, scores, log);
  }
  return { status: 'finalized', modelHash, modelUri, metricsHash, included, scores, excluded, pages: pages.length, checks };
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

type StatisticsRoundInput = {
  deps: AggregateDeps;
  log: Logger;
  taskId: bigint;
  round: bigint;
  committed: string[];
  excluded: Exclusion[];
  previousModelHash: string;
  features: string[];
  inputs: StatisticsInput[];
};

/**
 * A statistics round: the sums are combined inside the TEE; only the totals are published (the result document is the
 * round's "model"; its metrics document names who was included, never their counts). Scores are equal shares: a
 * share by example count would tell governance each site's size. The per-site counts are returned for the state store.
 */
function finishStatistics(r: StatisticsRoundInput): Published & { perSiteCounts: Record<string, number> } {
  const outcome = combineStatistics(r.features, r.inputs);
  const excluded = [...r.excluded, ...outcome.excluded];
  for (const e of outcome.excluded) r.log.warn({ participant: e.participant, reason: e.reason, detail: e.detail }, 'aggregate: statistics update excluded');
  const orderOf = new Map(r.committed.map((p, k) => [p, k]));
  excluded.sort((a, b) => orderOf.get(a.participant)! - orderOf.get(b.participant)!);
  const scores = largestRemainder(outcome.included.map(() => 1));
  const modelBytes = Buffer.from(canonicalJson(outcome.document), 'utf8');
  const metricsDoc = {
    version: 1,
    kind: 'statistics',
    chainId: r.deps.chainId.toString(),
    taskManager: getAddress(r.deps.taskManagerAddress),
    taskId: r.taskId.toString(),
    round: Number(r.round),
    previousModelHash: r.previousModelHash,
    modelHash: sha256Hex(modelBytes),
    committed: r.committed.length,
    included: outcome.included.map((participant) => ({ participant })),
    excluded: excluded.map((e) => ({ participant: e.participant, reason: e.reason })),
  };
  r.log.info({ participants: outcome.included.length, features: r.features.length }, 'aggregate: statistics combined');
  return { modelBytes, metricsDoc, included: outcome.included, scores, excluded, perSiteCounts: outcome.perSiteCounts };
}

/**
 * Federated evaluation of the global model this round started from: each included site's test metrics of that model
 * (`globalTest…`, measured before local training and sealed in its update) as means weighted by the site's test
 * examples (`numTestExamples`). Never one site's figure on its own (null when fewer than two sites reported).
 */
export function federatedEvaluation(
  inputs: readonly { metrics: Record<string, number> }[],
): { numTestExamples: number; sites: number; metrics: Record<string, number> } | null {
  const sums = new Map<string, number>();
  let total = 0;
  let sites = 0;
  for (const { metrics } of inputs) {
    const n = metrics.numTestExamples;
    if (n === undefined || !Number.isFinite(n) || n <= 0) continue;
    const entries = Object.entries(metrics).filter(([k, v]) => k.startsWith('globalTest') && Number.isFinite(v));
    if (entries.length === 0) continue;
    total += n;
    sites += 1;
    for (const [k, v] of entries) sums.set(k, (sums.get(k) ?? 0) + v * n);
  }
  if (sites < 2) return null;
  const metrics: Record<string, number> = {};
  for (const k of [...sums.keys()].sort()) metrics[k.charAt(10).toLowerCase() + k.slice(11)] = sums.get(k)! / total;
  return { numTestExamples: total, sites, metrics };
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

