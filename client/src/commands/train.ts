// `train-once` and `run`: one round, or every round of a task, with a progress bar per round.
import { SingleBar, Presets } from 'cli-progress';
import { loadDataset } from '../data/loadDataset';
import { ParticipantNode } from '../submission/ParticipantNode';
import { submitRound, type DatasetProvider, type SubmitRoundResult } from '../submission/submitRound';
import type { TrainProgress } from '@cloister/model-runtime';
import type { CommandContext } from './context';

export function datasetFromConfig(path: string): DatasetProvider {
  return (spec) => loadDataset(path, { task: spec.data });
}

/** A cli-progress bar on stderr driven by training progress (one bar per round). */
export function progressReporter(enabled: boolean): { onProgress: (round: bigint, p: TrainProgress) => void; done: () => void } {
  let bar: SingleBar | null = null;
  let current: bigint | null = null;
  const done = () => {
    bar?.stop();
    bar = null;
  };
  return {
    done,
    onProgress: (round, p) => {
      if (!enabled) return;
      if (!bar || current !== round) {
        done();
        current = round;
        bar = new SingleBar(
          { format: `round ${round} training |{bar}| {value}/{total} steps | epoch {epoch} | loss {loss}`, stream: process.stderr, hideCursor: true },
          Presets.shades_classic,
        );
        bar.start(p.totalSteps, 0, { epoch: 1, loss: '-' });
      }
      bar.update(p.step, { epoch: p.epoch + 1, loss: p.loss.toFixed(4) });
      if (p.step === p.totalSteps) done();
    },
  };
}

export async function trainOnceCommand(ctx: CommandContext, taskId: bigint, datasetPath: string, progress = true): Promise<SubmitRoundResult> {
  const reporter = progressReporter(progress && process.stderr.isTTY === true);
  try {
    const round = await ctx.contracts.taskManager.currentRound(taskId);
    return await submitRound({
      signer: ctx.signer,
      contracts: ctx.contracts,
      coordinator: ctx.coordinator,
      stateDir: ctx.options.stateDir,
      taskId,
      round,
      dataset: datasetFromConfig(datasetPath),
      onProgress: (p) => reporter.onProgress(round, p),
      logger: ctx.logger,
    });
  } finally {
    reporter.done();
  }
}

/** Runs until SIGINT/SIGTERM, joining every open round. */
export async function runCommand(ctx: CommandContext, taskId: bigint, datasetPath: string, pollIntervalMs = 5000): Promise<void> {
  const reporter = progressReporter(process.stderr.isTTY === true);
  const node = new ParticipantNode({
    signer: ctx.signer,
    contracts: ctx.contracts,
    coordinatorUrl: ctx.options.coordinator,
    taskId,
    dataset: datasetFromConfig(datasetPath),
    stateDir: ctx.options.stateDir,
    logger: ctx.logger,
    pollIntervalMs,
    onProgress: reporter.onProgress,
  });
  node.on('submitted', (r) => ctx.logger.info({ round: String(r.round), ciphertextHash: r.ciphertextHash, resumed: r.resumed }, 'node: update submitted'));
  node.on('error', () => undefined); // already logged by the node; it keeps running and retries on the next signal
  node.start();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  reporter.done();
  ctx.logger.info('node: stopping');
  await node.stop();
}
