import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DEFAULT_CREDIT_PAGE_SIZE } from '@cloister/contracts';
import { ROUND_FAILURE_REASON, ROUND_STATE, type AggregationJob } from '@cloister/protocol';
import type { CoordinatorConfig } from '../config';
import type { ChainClient, ChainEvent, ChainRound } from '../chain/types';
import type { EventBus } from '../plugins/socket';
import type { CoordinatorMetrics } from '../plugins/metrics';
import type { Producer } from '../queues/producer';
import { aggregationJobId, ROUND_JOBS, type RoundJobData, type RoundJobName } from '../queues/names';
import type { SocketEventName } from '../events/socketServer';
import type { UploadRegistry } from './uploadRegistry';
import { RoundJobEarlyError } from '../errors';

export type RoundAutomationDeps = {
  config: CoordinatorConfig;
  chain: ChainClient;
  producer: Producer;
  uploads: UploadRegistry;
  events: EventBus;
  metrics: CoordinatorMetrics;
  redis: Redis;
  log: Logger;
};

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

const EVENT_TO_SOCKET: Record<string, SocketEventName> = {
  TaskCreated: 'task:status',
  RoundOpened: 'round:opened',
  UpdateCommitted: 'task:status',
  RoundClosed: 'round:closed',
  RoundFailed: 'round:failed',
  RoundFinalized: 'round:finalized',
  RoundAccepted: 'round:accepted',
  RoundRejected: 'round:rejected',
};

/** Event arguments as RoundEvent fields: counts and timestamps as numbers, hashes and addresses as strings. */
function jsonArgs(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(args)
      .filter(([k]) => k !== 'taskId' && k !== 'round')
      .map(([k, v]) => [k, typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v]),
  );
}

/**
 * The round state machine. Chain events (and a periodic sweep) call `reconcile(taskId)`, which reads the task's
 * state from the chain and takes the one step that state calls for. Every step is idempotent: transactions are
 * guarded by Redis locks and the contract's own checks, jobs by jobIds, the aggregation enqueue by a marker.
 * Nothing lives only in this process.
 */
export class RoundAutomation {
  constructor(private readonly d: RoundAutomationDeps) {}

  private get canTransact(): boolean {
    return this.d.config.rounds.automate && this.d.chain.operatorAddress !== null;
  }

  private k(...parts: Array<string | number | bigint>): string {
    return `${this.d.config.redis.keyPrefix}${parts.join(':')}`;
  }

  /** Emits the socket event for a chain event and advances the state machine. */
  async handleEvent(event: ChainEvent): Promise<void> {
    const log = this.d.log.child({ taskId: String(event.taskId), round: Number(event.round), event: event.name });
    this.d.metrics.roundEvents.inc({ event: event.name });
    const socketEvent = EVENT_TO_SOCKET[event.name];
    if (socketEvent) {
      this.d.events.emit(socketEvent, {
        ...jsonArgs(event.args),
        taskId: event.taskId.toString(),
        round: Number(event.round),
        event: socketEvent,
        ...(socketEvent === 'task:status' ? { status: event.name } : {}),
        chainEvent: event.name,
        blockNumber: event.blockNumber,
        transactionHash: event.transactionHash,
        at: Date.now(),
      });
    }
    if (event.name === 'RoundFinalized') {
      const modelUri = String(event.args.modelUri ?? '');
      this.d.events.emit('model:available', {
        taskId: event.taskId.toString(),
        round: Number(event.round),
        event: 'model:available',
        at: Date.now(),
        modelHash: String(event.args.modelHash ?? ''),
        modelUri,
        url: this.d.config.publicUrl ? `${this.d.config.publicUrl.replace(/\/$/, '')}/v1/${modelUri}` : `/v1/${modelUri}`,
      });
    }
    log.info('chain: event');
    await this.reconcile(event.taskId);
  }

  /** Reads the task's current round from the chain and takes the step its state calls for. */
  async reconcile(taskId: bigint): Promise<void> {
    if (!this.d.config.rounds.automate) return;
    const { chain } = this.d;
    const task = await chain.getTask(taskId);
    if (!task || task.cancelled) return;
    const r = task.currentRound;
    const log = this.d.log.child({ taskId: String(taskId), round: Number(r) });
    if (r === 0n) {
      await this.openRound(taskId, 0n, 'new', log);
      return;
    }
    const round = await chain.getRound(taskId, r);
    const data: RoundJobData = { taskId: taskId.toString(), round: Number(r), openedAt: round.openedAt.toString() };
    switch (round.state) {
      case ROUND_STATE.Open: {
        const full = round.committedCount >= task.maxParticipants;
        const at = full ? Date.now() : await this.wallTimeOf(round.deadline);
        // The deadline job is scheduled once per opening; when the round fills up early an immediate one joins it.
        await this.schedule(ROUND_JOBS.closeRound, data, full ? Date.now() : at, full ? '-full' : '');
        break;
      }
      case ROUND_STATE.Closed: {
        await this.schedule(ROUND_JOBS.collectUploads, data, Date.now() + this.d.config.rounds.uploadGraceMs);
        await this.maybeEnqueueAggregation(taskId, r, round, false);
        break;
      }
      case ROUND_STATE.Failed:
      case ROUND_STATE.Rejected: {
        if (round.state === ROUND_STATE.Failed && round.failureReason === ROUND_FAILURE_REASON.SpecRefused) {
          // The aggregator cannot run this task's spec: a new attempt would be refused the same way.
          log.warn({ failureReason: round.failureReason }, 'round: not reopening, the aggregator refused the task spec');
          this.d.events.emit('task:status', { taskId: taskId.toString(), round: Number(r), event: 'task:status', status: 'stalled', reason: 'spec refused by the aggregator', at: Date.now() });
          return;
        }
        const reopenKey = this.k('reopened', taskId, r, round.openedAt);
        const count = Number((await this.d.redis.get(this.k('reopens', taskId, r))) ?? '0');
        if (count >= this.d.config.rounds.maxReopens) {
          log.warn({ count }, 'round: not reopening, retry budget spent');
          this.d.events.emit('task:status', { taskId: taskId.toString(), round: Number(r), event: 'task:status', status: 'stalled', reason: 'reopen budget spent', at: Date.now() });
          return;
        }
        if ((await this.d.redis.get(reopenKey)) !== null) return;
        if (await this.openRound(taskId, r, `reopen-${round.openedAt}`, log)) {
          await this.d.redis.set(reopenKey, '1');
          await this.d.redis.incr(this.k('reopens', taskId, r));
        }
        break;
      }
      case ROUND_STATE.Finalized: {
        const at = await this.wallTimeOf(round.challengeEndsAt);
        await this.schedule(ROUND_JOBS.acceptRound, data, at);
        break;
      }
      case ROUND_STATE.Accepted: {
        // The next round opens first (rewards do not hold up the round loop); the last round's rewards are
        // credited before the task is announced completed, so participants can claim everything then.
        const rewardsPending = round.creditedCount < round.committedCount;
        if (r < BigInt(task.numRounds)) {
          await this.openRound(taskId, r, 'next', log);
          if (rewardsPending) await this.creditRewards(taskId, r, log);
        } else {
          if (rewardsPending) await this.creditRewards(taskId, r, log);
          this.d.events.emit('task:status', { taskId: taskId.toString(), round: Number(r), event: 'task:status', status: 'completed', at: Date.now() });
        }
        break;
      }
    }
  }

  /**
   * When (wall clock, ms) the next transaction will see block time `chainSeconds`, plus closeDelayMs: now plus the
   * distance from the chain's clock (`chain.now()`: latest block time, advanced by the wall time since that block was
   * seen), never from the wall clock alone. A development chain runs ahead of the wall clock (automined bursts,
   * evm_increaseTime); the job re-checks against the chain when it runs and is moved again if it is still early.
   */
  private async wallTimeOf(chainSeconds: bigint): Promise<number> {
    const now = await this.d.chain.now();
    // Already reached by the chain's clock: now, with no margin (a margin here was a fixed wait in every round's
    // accept); the job re-checks against the chain and is moved if a transaction would still be early.
    if (chainSeconds <= now) return Date.now();
    return Date.now() + Number(chainSeconds - now) * 1000 + this.d.config.rounds.closeDelayMs;
  }

  /** Sends openRound once per (task, current round, reason); returns true when the transaction was mined. */
  private async openRound(taskId: bigint, current: bigint, reason: string, log: Logger): Promise<boolean> {
    if (!this.canTransact) return false;
    const lock = this.k('lock', 'open', taskId, current, reason);
    if ((await this.d.redis.set(lock, '1', 'EX', 120, 'NX')) !== 'OK') return false;
    try {
      const tx = await this.d.chain.openRound(taskId);
      this.d.metrics.roundActions.inc({ action: 'openRound', result: 'ok' });
      log.info({ tx, reason }, 'round: opened');
      await this.d.redis.expire(lock, 24 * 3600);
      return true;
    } catch (err) {
      this.d.metrics.roundActions.inc({ action: 'openRound', result: 'error' });
      log.warn({ err, reason }, 'round: openRound failed (retried by the next sweep)');
      await this.d.redis.del(lock);
      return false;
    }
  }

  /**
   * Sends `creditRewards` pages until every committed participant of the accepted round is credited (anyone may;
   * the operator does it so participants can claim). Once per (task, round) at a time; a failure is retried by the
   * next reconcile and does not hold up the next round.
   */
  private async creditRewards(taskId: bigint, r: bigint, log: Logger): Promise<void> {
    if (!this.canTransact) return;
    const lock = this.k('lock', 'credit', taskId, r);
    if ((await this.d.redis.set(lock, '1', 'EX', 120, 'NX')) !== 'OK') return;
    try {
      for (;;) {
        const round = await this.d.chain.getRound(taskId, r);
        if (round.state !== ROUND_STATE.Accepted || round.creditedCount >= round.committedCount) break;
        const tx = await this.d.chain.creditRewards(taskId, r, DEFAULT_CREDIT_PAGE_SIZE);
        this.d.metrics.roundActions.inc({ action: 'creditRewards', result: 'ok' });
        log.info({ tx, from: round.creditedCount }, 'round: rewards credited (one page)');
      }
    } catch (err) {
      this.d.metrics.roundActions.inc({ action: 'creditRewards', result: 'error' });
      log.warn({ err }, 'round: creditRewards failed (retried by the next sweep)');
    } finally {
      await this.d.redis.del(lock);
    }
  }

  private async schedule(name: RoundJobName, data: RoundJobData, atMs: number, suffix = ''): Promise<void> {
    await this.d.producer.scheduleRoundJob(name, suffix ? { ...data, openedAt: `${data.openedAt}${suffix}` } : data, atMs);
  }

  /**
   * Enqueues the aggregation job for a closed round once every committed participant's update is stored, or
   * unconditionally when `force` (upload grace over). Exactly once per round opening.
   */
  async maybeEnqueueAggregation(taskId: bigint, r: bigint, round: ChainRound, force: boolean): Promise<boolean> {
    if (round.state !== ROUND_STATE.Closed) return false;
    // Every upload is of a committed participant (its bytes match its commitment), so fewer uploads than commitments
    // means someone is missing: answered from a counter, without reading the committed set or the records. This runs
    // on every upload into a closed round; reading both each time made a round O(n²) (≈ 40 ms per upload at n = 1000).
    if (!force && (await this.d.uploads.count(taskId, r, round.openedAt)) < round.committedCount) return false;
    const committed = await this.d.chain.committedParticipants(taskId, r); // checksummed by the chain client
    const uploads = await this.d.uploads.list(taskId, r, round.openedAt);
    const missing = committed.filter((p) => !uploads.has(p));
    if (missing.length > 0 && !force) return false;
    const job: AggregationJob = {
      taskId: taskId.toString(),
      round: Number(r),
      chainId: this.d.chain.chainId.toString(),
      taskManager: this.d.chain.taskManagerAddress,
      updates: committed
        .filter((p) => uploads.has(p))
        .map((p) => {
          const u = uploads.get(p)!;
          return { participant: p, ciphertextHash: u.ciphertextHash, size: u.size, location: `/v1/tasks/${taskId}/rounds/${r}/updates/${p}` };
        }),
    };
    const added = await this.d.producer.enqueueAggregation(job, round.openedAt);
    if (added) {
      this.d.metrics.roundActions.inc({ action: 'enqueueAggregation', result: 'ok' });
      this.d.log.info({ taskId: job.taskId, round: job.round, updates: job.updates.length, missing: missing.length, jobId: aggregationJobId(taskId, r, round.openedAt) }, 'round: aggregation enqueued');
    }
    return added;
  }

  /** Whether the aggregation for this opening is already enqueued (late uploads are then refused). */
  async aggregationEnqueued(taskId: bigint, r: bigint, openedAt: bigint): Promise<boolean> {
    const marker = `${this.d.config.redis.keyPrefix}enqueued:${aggregationJobId(taskId, r, openedAt)}`;
    return (await this.d.redis.exists(marker)) === 1;
  }

  /** Runs one job of the rounds queue. Throws NotYetError (retried) when it ran early. */
  async runJob(name: string, data: RoundJobData): Promise<string> {
    const taskId = BigInt(data.taskId);
    const r = BigInt(data.round);
    const openedAt = BigInt(data.openedAt.replace(/-full$/, ''));
    const round = await this.d.chain.getRound(taskId, r);
    const log = this.d.log.child({ taskId: data.taskId, round: data.round, job: name });
    if (round.openedAt !== openedAt) return 'stale: the round was reopened since';
    switch (name) {
      case ROUND_JOBS.closeRound: {
        if (round.state !== ROUND_STATE.Open) return 'already closed';
        const task = await this.d.chain.getTask(taskId);
        const now = await this.d.chain.now();
        if (now < round.deadline && round.committedCount < (task?.maxParticipants ?? Infinity)) {
          throw new NotYetError(`deadline ${round.deadline} not reached (chain time ${now})`, await this.wallTimeOf(round.deadline));
        }
        this.d.events.emit('round:closing', { taskId: data.taskId, round: data.round, event: 'round:closing', deadline: Number(round.deadline), at: Date.now() });
        try {
          const tx = await this.d.chain.closeRound(taskId, r);
          this.d.metrics.roundActions.inc({ action: 'closeRound', result: 'ok' });
          log.info({ tx }, 'round: closeRound sent');
          return `closed in ${tx}`;
        } catch (err) {
          const after = await this.d.chain.getRound(taskId, r);
          if (after.state !== ROUND_STATE.Open) return 'closed by someone else';
          this.d.metrics.roundActions.inc({ action: 'closeRound', result: 'error' });
          throw err;
        }
      }
      case ROUND_JOBS.collectUploads: {
        const added = await this.maybeEnqueueAggregation(taskId, r, round, true);
        return added ? 'aggregation enqueued' : 'nothing to do';
      }
      case ROUND_JOBS.acceptRound: {
        if (round.state !== ROUND_STATE.Finalized) return 'not finalized (accepted or rejected already)';
        const now = await this.d.chain.now();
        if (now < round.challengeEndsAt) {
          throw new NotYetError(`challenge window ends at ${round.challengeEndsAt} (chain time ${now})`, await this.wallTimeOf(round.challengeEndsAt));
        }
        try {
          const tx = await this.d.chain.acceptRound(taskId, r);
          this.d.metrics.roundActions.inc({ action: 'acceptRound', result: 'ok' });
          log.info({ tx }, 'round: acceptRound sent');
          return `accepted in ${tx}`;
        } catch (err) {
          const after = await this.d.chain.getRound(taskId, r);
          if (after.state !== ROUND_STATE.Finalized) return 'settled by someone else';
          throw new NotYetError(`acceptRound reverted (challenge window still running?): ${(err as Error).message}`);
        }
      }
      default:
        throw new Error(`unknown round job ${name}`);
    }
  }

  /** Reconciles every task (safety net for a failed transaction or a missed event). */
  async sweep(): Promise<void> {
    const count = await this.d.chain.taskCount();
    for (const id of await this.taskIds(count)) {
      await this.reconcile(id).catch((err) => this.d.log.warn({ err, taskId: String(id) }, 'round: sweep failed for task'));
      await this.creditPreviousRound(id).catch((err) => this.d.log.warn({ err, taskId: String(id) }, 'round: sweep could not credit rewards'));
    }
  }

  /** Safety net: the previous round's rewards, when crediting them failed after the next round had opened. */
  private async creditPreviousRound(taskId: bigint): Promise<void> {
    if (!this.canTransact) return;
    const task = await this.d.chain.getTask(taskId);
    if (!task || task.currentRound < 2n) return;
    const previous = task.currentRound - 1n;
    const round = await this.d.chain.getRound(taskId, previous);
    if (round.state === ROUND_STATE.Accepted && round.creditedCount < round.committedCount) {
      await this.creditRewards(taskId, previous, this.d.log.child({ taskId: String(taskId), round: Number(previous) }));
    }
  }

  private async taskIds(count: bigint): Promise<bigint[]> {
    // Task ids start at 1 (0 is never a task); a task that returns null is skipped.
    const ids: bigint[] = [];
    for (let i = 1n; i <= count; i++) ids.push(i);
    return ids;
  }
}
