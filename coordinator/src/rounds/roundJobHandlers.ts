import type { Logger } from 'pino';
import { ROUND_STATE } from '@cloister/protocol';
import type { ChainClient, ChainRound } from '../chain/types';
import type { EventBus } from '../plugins/socket';
import type { CoordinatorMetrics } from '../plugins/metrics';
import { InternalError, RoundJobEarlyError } from '../errors';
import { ROUND_JOBS, type RoundJobData, type RoundJobName } from '../queues/names';
import type { RoundStateMachine } from './roundStateMachine';

/**
 * Thrown by a round job that ran too early. With `retryAtMs` the worker moves the job back to the delayed set for
 * that wall-clock time (no attempt spent: the chain's clock said "not yet"); without it BullMQ retries with backoff.
 */
export class NotYetError extends RoundJobEarlyError {
  constructor(
    message: string,
    readonly retryAtMs?: number,
  ) {
    super(message, retryAtMs === undefined ? {} : { details: { retryAtMs } });
  }
}

export type RoundJobHandlersDeps = {
  chain: ChainClient;
  machine: RoundStateMachine;
  events: EventBus;
  metrics: CoordinatorMetrics;
  log: Logger;
};

type Handler = (job: { taskId: bigint; r: bigint; data: RoundJobData; round: ChainRound; log: Logger }) => Promise<string>;

/** The jobs of the rounds queue, one handler per job name (close-round, collect-uploads, accept-round, credit-rewards). */
export class RoundJobHandlers {
  private readonly handlers: Record<RoundJobName, Handler>;

  constructor(private readonly d: RoundJobHandlersDeps) {
    this.handlers = {
      [ROUND_JOBS.closeRound]: (job) => this.closeRound(job),
      [ROUND_JOBS.collectUploads]: (job) => this.collectUploads(job),
      [ROUND_JOBS.acceptRound]: (job) => this.acceptRound(job),
      [ROUND_JOBS.creditRewards]: (job) => this.creditRewards(job),
    };
  }

  /** Runs one job of the rounds queue. Throws NotYetError (retried) when it ran early. */
  async run(name: string, data: RoundJobData): Promise<string> {
    const handler = this.handlers[name as RoundJobName];
    if (!handler) throw new InternalError(`unknown round job ${name}`);
    const taskId = BigInt(data.taskId);
    const r = BigInt(data.round);
    const round = await this.d.chain.getRound(taskId, r);
    if (round.openedAt !== BigInt(data.openedAt)) return 'stale: the round was reopened since';
    return handler({ taskId, r, data, round, log: this.d.log.child({ taskId: data.taskId, round: data.round, job: name }) });
  }

  private async closeRound({ taskId, r, data, round, log }: Parameters<Handler>[0]): Promise<string> {
    if (round.state !== ROUND_STATE.Open) return 'already closed';
    const task = await this.d.chain.getTask(taskId);
    const now = await this.d.chain.now();
    if (now < round.deadline && round.committedCount < (task?.maxParticipants ?? Infinity)) {
      throw new NotYetError(`deadline ${round.deadline} not reached (chain time ${now})`, await this.d.machine.wallTimeOf(round.deadline));
    }
    this.d.events.emit('round:closing', { taskId: data.taskId, round: data.round, event: 'round:closing', deadline: Number(round.deadline), at: Date.now() });
    const tx = await this.send('closeRound', { taskId, r, log }, ROUND_STATE.Open, (err) => {
      this.d.metrics.roundActions.inc({ action: 'closeRound', result: 'error' });
      return err;
    });
    return tx === null ? 'closed by someone else' : `closed in ${tx}`;
  }

  private async collectUploads({ taskId, r, round }: Parameters<Handler>[0]): Promise<string> {
    const added = await this.d.machine.maybeEnqueueAggregation(taskId, r, round, true);
    return added ? 'aggregation enqueued' : 'nothing to do';
  }

  private async acceptRound({ taskId, r, round, log }: Parameters<Handler>[0]): Promise<string> {
    if (round.state !== ROUND_STATE.Finalized) return 'not finalized (accepted or rejected already)';
    const now = await this.d.chain.now();
    if (now < round.challengeEndsAt) {
      throw new NotYetError(`challenge window ends at ${round.challengeEndsAt} (chain time ${now})`, await this.d.machine.wallTimeOf(round.challengeEndsAt));
    }
    const tx = await this.send(
      'acceptRound',
      { taskId, r, log },
      ROUND_STATE.Finalized,
      (err) => new NotYetError(`acceptRound reverted (challenge window still running?): ${(err as Error).message}`),
    );
    return tx === null ? 'settled by someone else' : `accepted in ${tx}`;
  }

  private async creditRewards({ taskId, r, round, log }: Parameters<Handler>[0]): Promise<string> {
    if (round.state !== ROUND_STATE.Accepted) return 'not accepted';
    const pages = await this.d.machine.creditRewards(taskId, r, log);
    // Another caller holds the lock: it credits; a page it leaves uncredited fails there and is retried there.
    return pages === null ? 'being credited by another caller' : `credited in ${pages} page(s)`;
  }

  /**
   * Sends a round transaction and returns its hash. When it fails but the round has left `pending` (another
   * coordinator or member sent the same transaction first), returns null; otherwise throws what `failed` makes of
   * the error.
   */
  private async send(
    action: 'closeRound' | 'acceptRound',
    { taskId, r, log }: Pick<Parameters<Handler>[0], 'taskId' | 'r' | 'log'>,
    pending: number,
    failed: (err: unknown) => unknown,
  ): Promise<string | null> {
    try {
      const tx = await this.d.chain[action](taskId, r);
      this.d.metrics.roundActions.inc({ action, result: 'ok' });
      log.info({ tx }, `round: ${action} sent`);
      return tx;
    } catch (err) {
      const after = await this.d.chain.getRound(taskId, r);
      if (after.state !== pending) return null;
      throw failed(err);
    }
  }
}
