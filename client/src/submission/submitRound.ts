// One participant round end to end: global model (hash-checked) → local training → seal to the aggregator's
// on-chain key → sign → persist → commit the hash on chain → upload. Resumes from the local state after a crash:
// a sealed update is never re-trained or re-sealed, and a committed hash is never committed twice.
import type { CloisterContracts } from '@cloister/contracts';
import {
  decodeTensors,
  encodeUpdate,
  sealUpdateToBytes,
  sha256Hex,
  signUpdateDigest,
  type EnvelopeContext,
  type TaskSpec,
  type UpdatePayload,
} from '@cloister/protocol';
import { getAddress, ZeroHash, type Signer } from 'ethers';
import { CommitmentConflictError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import type { TrainProgress } from '@cloister/model-runtime';
import { trainRound } from '../training/trainRound';
import type { LocalDataset } from '@cloister/model-runtime';
import { mapCommitRevert, readAggregatorKey, requireAdmitted, requireOpenRound } from './chain';
import type { CoordinatorClient } from './coordinatorClient';
import { fetchTaskSpec, fetchVerified } from './globalModel';
import { openConsortiumModel } from './sealedModel';
import { resolveStatisticsScaling, statisticsUpdate } from './statistics';
import type { RetryOptions } from './retry';
import { RoundStateStore, type RoundKey, type RoundRecord } from './roundState';
import { chainStep } from './transient';

/** Supplies the local data for a task (called with the verified task spec: its features and scaling). */
export type DatasetProvider = (spec: TaskSpec) => LocalDataset | Promise<LocalDataset>;

export interface SubmitRoundOptions {
  signer: Signer;
  contracts: CloisterContracts;
  coordinator: CoordinatorClient;
  stateDir: string;
  taskId: bigint;
  /** Default: the task's current round on chain. */
  round?: bigint;
  dataset: DatasetProvider;
  /** Seed of the batch shuffles (default: the round number). */
  trainSeed?: number;
  /** Seed of client-side noise, for simulations and tests only (default: node:crypto, as a real participant must). */
  simulationOnlyNoiseSeed?: number;
  onProgress?: (p: TrainProgress) => void;
  logger?: Logger;
  /**
   * Backoff for transient RPC failures (reset/refused/timed-out connections), applied to the step that failed
   * (default 6 attempts, 250 ms doubling, ≤ 8 s); then ChainUnavailableError. Coordinator calls retry in
   * CoordinatorClient (its own `retry`).
   */
  retry?: RetryOptions;
}

export interface SubmitRoundResult {
  taskId: bigint;
  round: bigint;
  ciphertextHash: string;
  ciphertextSize: number;
  /** True when the round was resumed from local state (no training this time). */
  resumed: boolean;
  /** True when the coordinator already held these bytes. */
  duplicate: boolean;
  metrics?: Record<string, number>;
  numExamples: number;
}

export async function submitRound(options: SubmitRoundOptions): Promise<SubmitRoundResult> {
  const { signer, contracts, coordinator, taskId } = options;
  let logger = (options.logger ?? silentLogger()).child({ taskId: String(taskId) });
  // Every chain read/write below is one step: a transient network failure retries that step only (never training).
  const chain = <T>(step: string, fn: () => Promise<T>) => chainStep(step, fn, { retry: options.retry, logger });
  const participant = getAddress(await chain('getAddress', () => signer.getAddress()));
  const network = await chain('getNetwork', () => signer.provider!.getNetwork());
  const taskManager = await contracts.taskManager.getAddress();
  const round = options.round ?? (await chain('currentRound', () => contracts.taskManager.currentRound(taskId)));
  logger = logger.child({ round: String(round) });
  const chainRound = await chain('getRound', () => requireOpenRound(contracts, taskId, round));
  const store = new RoundStateStore(options.stateDir);
  const key: RoundKey = { chainId: network.chainId, taskManager, taskId, round, openedAt: chainRound.openedAt, participant };

  let stored = store.load(key);
  let metrics: Record<string, number> | undefined;
  const resumed = stored !== null;
  if (stored) {
    logger.info({ phase: 'resume', status: stored.record.status, ciphertextHash: stored.record.ciphertextHash }, 'resume: found the sealed update of this round');
  } else {
    await chain('isAdmitted', () => requireAdmitted(contracts, taskId, participant));
    const task = await chain('getTask', () => contracts.taskManager.getTask(taskId));
    const spec = await resolveStatisticsScaling(coordinator, await fetchTaskSpec(coordinator, task.params.modelSpecHash));
    // Public: the tensor file itself. Consortium: sealed under the task's model key, opened here and checked.
    const storedModel = await fetchVerified(coordinator, chainRound.previousModelHash, 'global model');
    const globalWeights = decodeTensors(
      spec.kind === 'training' && spec.modelAccess === 'consortium'
        ? await openConsortiumModel({ contracts, signer, coordinator, taskId, stored: storedModel })
        : storedModel,
    );
    logger.info({ phase: 'download', modelHash: chainRound.previousModelHash, tensors: globalWeights.length }, 'download: global model verified against the chain');
    const recipientPublicKey = await chain('hpkePublicKey', () => readAggregatorKey(contracts));
    const dataset = await options.dataset(spec);
    let update: UpdatePayload;
    if (spec.kind === 'statistics') {
      // A statistics task: the training split's sums, in float64, sealed like an update (no model, no training).
      update = statisticsUpdate(dataset);
      logger.info({ phase: 'statistics', examples: update.numExamples, features: spec.data.features.length }, 'statistics: sums computed on the training split');
    } else {
      const result = await trainRound({
        spec,
        globalWeights,
        dataset,
        seed: options.trainSeed ?? Number(round),
        simulationOnlyNoiseSeed: options.simulationOnlyNoiseSeed,
        onProgress: options.onProgress,
        logger,
      });
      update = result.update;
    }
    metrics = update.metrics;
    const context: EnvelopeContext = { chainId: network.chainId, contractAddress: taskManager, taskId, round, participant };
    const ciphertext = await sealUpdateToBytes({ recipientPublicKey, context, plaintext: encodeUpdate(update) });
    const ciphertextHash = sha256Hex(ciphertext);
    const signature = await chain('sign', () => signUpdateDigest(signer, { chainId: network.chainId, contractAddress: taskManager, taskId, round, ciphertextHash }));
    const record: RoundRecord = {
      version: 1,
      chainId: String(network.chainId),
      taskManager,
      taskId: String(taskId),
      round: String(round),
      openedAt: String(chainRound.openedAt),
      participant,
      globalModelHash: chainRound.previousModelHash,
      ciphertextHash,
      ciphertextSize: ciphertext.length,
      signature,
      status: 'sealed',
      numExamples: update.numExamples,
      updatedAt: new Date().toISOString(),
    };
    store.saveSealed(key, record, ciphertext);
    stored = { record, ciphertext };
    logger.info({ phase: 'seal', ciphertextHash, size: ciphertext.length }, 'seal: update sealed to the aggregator key and saved');
  }

  let { record } = stored;
  const { ciphertext } = stored;
  if (record.status === 'sealed') {
    const sealed = record;
    let sent: string | undefined;
    // One step, retried as a whole on transient failures: look at the chain first (a previous attempt's transaction
    // may have been mined although its answer was lost), then send the commit and wait for it.
    record = await chain('commit', async () => {
      const onChain = await contracts.taskManager.commitmentOf(taskId, round, participant);
      if (onChain.toLowerCase() === sealed.ciphertextHash) {
        logger.info({ phase: 'commit', tx: sent }, sent ? 'commit: mined (answer lost in transit)' : 'commit: already on chain (resumed)');
        return store.update(key, sealed, sent ? { status: 'committed', commitTx: sent } : { status: 'committed' });
      }
      if (onChain !== ZeroHash) {
        throw new CommitmentConflictError(
          `The chain holds commitment ${onChain} for round ${round}, but the local sealed update hashes to ${sealed.ciphertextHash}. Nothing was sent; check whether this key is used by another node.`,
          { details: { onChain, local: sealed.ciphertextHash } },
        );
      }
      if (sent) {
        // Sent before, not visible yet: wait for that transaction rather than sending a second one.
        const receipt = await signer.provider!.waitForTransaction(sent, 1, 30_000);
        if (receipt?.status === 1) return store.update(key, sealed, { status: 'committed', commitTx: sent });
        sent = undefined; // reverted or dropped: send again (a revert then comes back with its reason)
      }
      try {
        const tx = await contracts.taskManager.connect(signer).commit(taskId, round, sealed.ciphertextHash);
        sent = tx.hash;
        await tx.wait();
        logger.info({ phase: 'commit', tx: tx.hash }, 'commit: ciphertext hash committed on chain');
        return store.update(key, sealed, { status: 'committed', commitTx: tx.hash });
      } catch (error) {
        throw mapCommitRevert(error, taskId, round) ?? error;
      }
    });
  }
  let duplicate = false;
  if (record.status === 'committed') {
    const res = await coordinator.putUpdate(taskId, round, ciphertext, record.signature);
    duplicate = res.duplicate;
    record = store.update(key, record, { status: 'uploaded' });
    logger.info({ phase: 'upload', duplicate, size: res.size }, 'upload: sealed update stored by the coordinator');
  }
  return {
    taskId,
    round,
    ciphertextHash: record.ciphertextHash,
    ciphertextSize: record.ciphertextSize,
    resumed,
    duplicate,
    metrics,
    numExamples: record.numExamples,
  };
}
