import {
  AggregationJobSchema,
  decodeTensors,
  encodeTensors,
  recoverUpdateSigner,
  ROUND_STATE,
  sha256Hex,
  TaskSpecSchema,
  validate,
  type AggregationJob,
  type TaskSpec,
} from '@cloister/protocol';
import { TaskManager__factory, type TaskManager } from '@cloister/contracts';
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
import { createStrategy } from '../strategies/createStrategy';
import { REASON, type Exclusion, type RoundContext, type Strategy } from '../strategies/types';
import type { CoordinatorClient } from './coordinatorClient';
import { UpdateOpener } from './updateOpener';

export type AggregateDeps = {
  provider: Provider;
  chainId: bigint;
  taskManagerAddress: string;
  appd: AppdClient;
  keys: AggregatorKeys;
  coordinator: CoordinatorClient;
  stateStore: StateStore;
  log: Logger;
  finalizeGasLimit?: number;
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

export function buildStrategy(spec: TaskSpec): Strategy {
  const strategy = createStrategy(spec.aggregation.strategy, spec.aggregation.params);
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

  // 1. The chain is the truth: round state, committed set, commitments, model and spec hashes.
  const onChain = await tm.getRound(taskId, round);
  const state = Number(onChain.state);
  if (FINALIZED_STATES.includes(state)) {
    log.info({ state }, 'aggregate: round already finalized on chain, nothing to do');
    return { status: 'already-finalized', state };
  }
  if (state !== ROUND_STATE.Closed) {
    throw new RoundNotClosedError(`round ${round} of task ${taskId} is in state ${state}, not Closed`, { details: { state } });
  }
  const task = await tm.getTask(taskId);
  const committed = (await tm.committedParticipants(taskId, round)).map((a) => getAddress(a));
  const commitments = await Promise.all(committed.map((p) => tm.commitmentOf(taskId, round, p)));

  // 2. Task spec and previous global model, verified against the on-chain hashes.
  const specBytes = await deps.coordinator.getBlob(task.params.modelSpecHash);
  let spec: TaskSpec;
  try {
    spec = validate(TaskSpecSchema, JSON.parse(Buffer.from(specBytes).toString('utf8')), 'TaskSpec');
  } catch (cause) {
    throw new TaskSpecInvalidError(`task ${taskId} spec is not a valid TaskSpec document`, { cause });
  }
  const previousModelHash = onChain.previousModelHash;
  const previous = decodeTensors(await deps.coordinator.getBlob(previousModelHash));
  const layout = layoutOf(previous);

  const strategy = buildStrategy(spec);
  const context: RoundContext = { taskId, round, layout, stateStore: deps.stateStore };
  await strategy.initialize(context);
  const config = strategy.configureRound(context);
  if (committed.length > config.maxUpdates) {
    throw new TooManyUpdatesError(`${committed.length} commitments exceed ${strategy.name}'s bound of ${config.maxUpdates} updates in memory`);
  }
  log.info({ strategy: strategy.name, committed: committed.length, modelSize: layout.size }, 'aggregate: start');

  // 3. Fetch, check, open, validate and fold each committed update, one at a time (memory O(model): one reused
  //    plaintext buffer, one accumulator).
  const aggregator = strategy.beginAggregation(layout);
  const excluded: Exclusion[] = [];
  const accepted = new Map<string, ScoreInput & { metrics: Record<string, number> }>();
  const opener = new UpdateOpener(deps.keys.hpke, layout, spec.aggregation.updateNormBound);
  let ciphertextBuffer: Uint8Array = new Uint8Array(0);
  const exclude = (participant: string, reason: Exclusion['reason'], detail: string) => {
    excluded.push({ participant, reason, detail });
    log.warn({ participant, reason, detail }, 'aggregate: update excluded');
  };
  for (let i = 0; i < committed.length; i += 1) {
    const participant = committed[i]!;
    const commitment = commitments[i]!;
    const fetched = await deps.coordinator.getUpdate(taskId, round, participant, { reuse: ciphertextBuffer });
    // Ciphertexts are read in place into one buffer, grown when a larger one arrives.
    if (fetched?.buffer !== undefined) ciphertextBuffer = fetched.buffer;
    if (fetched === null) {
      exclude(participant, REASON.MissingUpload, 'the coordinator has no upload for this commitment');
    } else if (sha256Hex(fetched.ciphertext) !== commitment.toLowerCase()) {
      exclude(participant, REASON.HashMismatch, 'ciphertext does not hash to the on-chain commitment');
    } else if (!signedBy(fetched.signature, participant, { chainId: deps.chainId, contractAddress: deps.taskManagerAddress, taskId, round, ciphertextHash: commitment })) {
      exclude(participant, REASON.BadSignature, 'x-cloister-signature does not recover to the participant');
    } else {
      const opened = await opener.open(fetched.ciphertext, {
        chainId: deps.chainId,
        contractAddress: deps.taskManagerAddress,
        taskId,
        round,
        participant,
      });
      if (!opened.ok) {
        exclude(participant, opened.reason, opened.detail);
      } else {
        aggregator.add({ participant, numExamples: opened.numExamples, update: opened.flat, metrics: opened.metrics });
        accepted.set(participant, { participant, numExamples: opened.numExamples, sketch: opened.sketch, metrics: opened.metrics });
      }
    }
    await deps.onProgress?.(i + 1, committed.length);
  }

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
  if (included.length > 0) {
    const server = await strategy.applyServerUpdate(combined.combined, context);
    serverMetrics = server.metrics;
    for (let j = 0; j < newFlat.length; j += 1) newFlat[j]! += server.delta[j]!;
  } else {
    log.warn('aggregate: no update passed validation; the model is carried over unchanged');
  }
  const modelBytes = encodeTensors(unflatten(newFlat, layout));
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
    dp:
      spec.aggregation.dp === null || serverMetrics.dpEpsilon === undefined
        ? null
        : { epsilon: serverMetrics.dpEpsilon, delta: serverMetrics.dpDelta, rounds: serverMetrics.dpRounds },
  };
  const metricsBytes = Buffer.from(canonicalJson(metricsDoc), 'utf8');
  const metricsHash = sha256Hex(metricsBytes);

  // 6. Upload, re-check, finalize through appd.
  await deps.coordinator.putBlob(modelBytes);
  await deps.coordinator.putBlob(metricsBytes);
  const before = Number((await tm.getRound(taskId, round)).state);
  if (FINALIZED_STATES.includes(before)) {
    log.info({ state: before }, 'aggregate: finalized meanwhile by another attempt');
    return { status: 'already-finalized', state: before };
  }
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
    await deps.appd.signSubmit({ to: deps.taskManagerAddress, data, gasLimit: deps.finalizeGasLimit ?? 5_000_000 });
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
  return { status: 'finalized', modelHash, modelUri, metricsHash, included, scores, excluded };
}

function signedBy(
  signature: string | undefined,
  participant: string,
  digest: { chainId: bigint; contractAddress: string; taskId: bigint; round: bigint; ciphertextHash: string },
): boolean {
  if (signature === undefined) return false;
  try {
    return getAddress(recoverUpdateSigner(digest, signature)) === participant;
  } catch {
    return false;
  }
}

/** Contract interfaces whose custom errors appd failures are decoded with. */
export function contractErrorInterfaces(): Interface[] {
  return [TaskManager__factory.createInterface()];
}

