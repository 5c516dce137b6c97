import type { Logger } from 'pino';
import { DEFAULT_CREDIT_PAGE_SIZE } from '@cloister/contracts';
import { ROUND_FAILURE_REASON, ROUND_STATE, type AggregationJob } from '@cloister/protocol';
import type { CoordinatorConfig } from '../config';
import type { ChainClient, ChainRound } from '../chain/types';
import type { EventBus } from '../plugins/socket';
import type { CoordinatorMetrics } from '../plugins/metrics';
import type { Producer } from '../queues/producer';
import { aggregationJobId, ROUND_JOBS, type RoundJobData, type RoundJobName } from '../queues/names';
import type { UploadRegistry } from './uploadRegistry';
import type { ReopenBudget } from './reopenBudget';
import type { Redis } from 'ioredis';

export type RoundStateMachineDeps = {
  config: CoordinatorConfig;
  chain: ChainClient;
  producer: Producer;
  uploads: UploadRegistry;
  reopens: ReopenBudget;
  events: EventBus;
  metrics: CoordinatorMetrics;
  redis: Redis;
  log: Logger;
};

/**
 * The round state machine. Chain events (once per task per watcher range) and a periodic sweep call
 * `reconcile(taskId)`, which reads the task's state from the chain and takes the one step that state calls for. Every step is idempotent: transactions are
 * guarded by Redis locks and the contract's own checks, jobs by jobIds, the aggregation enqueue by its jobId and a
 * marker set after the add. What must outlive Redis (upload records, the reopen ledger) is in the artifact store.
 */
export class RoundStateMachine {
  constructor(private readonly d: RoundStateMachineDeps) {}

  get canTransact(): boolean {
    return this.d.config.rounds.automate && this.d.chain.operatorAddress !== null;
  }

  private k(...parts: Array<string | number | bigint>): string {
    return `${this.d.config.redis.keyPrefix}${parts.join(':')}`;
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
    if (round.state !== ROUND_STATE.Failed && round.state !== ROUND_STATE.Rejected) this.d.metrics.stalledTasks.remove({ taskId: String(taskId) });
    switch (round.state) {
      case ROUND_STATE.Open: {
        // The deadline job is scheduled once per opening; when the round fills up early an immediate one joins it.
        if (round.committedCount >= task.maxParticipants) await this.schedule(ROUND_JOBS.closeRound, { ...data, trigger: 'full' }, Date.now());
        else await this.schedule(ROUND_JOBS.closeRound, data, await this.wallTimeOf(round.deadline));
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
          this.d.metrics.stalledTasks.set({ taskId: String(taskId) }, 1);
          this.d.events.emit('task:status', { taskId: taskId.toString(), round: Number(r), event: 'task:status', status: 'stalled', reason: 'spec refused by the aggregator', at: Date.now() });
          return;
        }
        if (!this.canTransact) return;
        if (!(await this.d.reopens.claim(taskId, r, round.openedAt))) {
          const spent = await this.d.reopens.spent(taskId, r, round.openedAt);
          log.warn({ spent }, 'round: not reopening, retry budget spent');
          this.d.metrics.stalledTasks.set({ taskId: String(taskId) }, 1);
          this.d.events.emit('task:status', { taskId: taskId.toString(), round: Number(r), event: 'task:status', status: 'stalled', reason: 'reopen budget spent', at: Date.now() });
          return;
        }
        await this.openRound(taskId, r, `reopen-${round.openedAt}`, log);
        break;
      }
      case ROUND_STATE.Finalized: {
        await this.schedule(ROUND_JOBS.acceptRound, data, await this.wallTimeOf(round.challengeEndsAt));
        break;
      }
      case ROUND_STATE.Accepted: {
        // The next round opens first and its rewards are credited by a job of their own (a transaction per page),
        // so crediting holds up neither the round loop nor the chain watcher that called this. The last round's
        // rewards are credited before the task is announced completed, so participants can claim everything then.
        const rewardsPending = round.creditedCount < round.committedCount;
        if (r < BigInt(task.numRounds)) {
          await this.openRound(taskId, r, 'next', log);
          if (rewardsPending && this.canTransact) await this.schedule(ROUND_JOBS.creditRewards, data, Date.now());
        } else {
          if (rewardsPending) await this.creditRewards(taskId, r, log).catch((err: unknown) => log.warn({ err }, 'round: creditRewards failed (retried by the next sweep)'));
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
  async wallTimeOf(chainSeconds: bigint): Promise<number> {
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
   * the operator does it so participants can claim) and returns the pages sent. Once per (task, round) at a time:
   * null when another caller holds the lock. Throws when a page fails for a reason other than someone else having
   * credited it first (the credit-rewards job is then retried with backoff).
   */
  async creditRewards(taskId: bigint, r: bigint, log: Logger): Promise<number | null> {
    if (!this.canTransact) return 0;
    const lock = this.k('lock', 'credit', taskId, r);
    if ((await this.d.redis.set(lock, '1', 'EX', 120, 'NX')) !== 'OK') return null;
    let pages = 0;
    try {
      for (;;) {
        const round = await this.d.chain.getRound(taskId, r);
        if (round.state !== ROUND_STATE.Accepted || round.creditedCount >= round.committedCount) return pages;
        let tx: string;
        try {
          tx = await this.d.chain.creditRewards(taskId, r, DEFAULT_CREDIT_PAGE_SIZE);
        } catch (err) {
          // Anyone may credit (a participant claiming, another coordinator): when the count moved meanwhile, the page
          // was credited by someone else and the transaction reverted for that reason alone. Read again and go on.
          if ((await this.d.chain.getRound(taskId, r)).creditedCount > round.creditedCount) {
            log.debug({ from: round.creditedCount }, 'round: rewards credited by someone else (one page)');
            continue;
          }
          throw err;
        }
        pages += 1;
        this.d.metrics.roundActions.inc({ action: 'creditRewards', result: 'ok' });
        log.info({ tx, from: round.creditedCount }, 'round: rewards credited (one page)');
      }
    } catch (err) {
      this.d.metrics.roundActions.inc({ action: 'creditRewards', result: 'error' });
      throw err;
    } finally {
      await this.d.redis.del(lock);
    }
  }

  private async schedule(name: RoundJobName, data: RoundJobData, atMs: number): Promise<void> {
    await this.d.producer.scheduleRoundJob(name, data, atMs);
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
    // With the committed set, records Redis no longer has are read back from the store.
    const uploads = await this.d.uploads.list(taskId, r, round.openedAt, committed);
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
  aggregationEnqueued(taskId: bigint, r: bigint, openedAt: bigint): Promise<boolean> {
    return this.d.producer.aggregationEnqueued(taskId, r, openedAt);
  }

  /**
   * After Redis lost its data (the watcher found no cursor there but one in the store): puts every current round's
   * upload records back into the Redis index from the store, then reconciles every task (jobs are scheduled again by
   * their jobIds). No chain event is replayed, so nothing is announced twice.
   */
  async recoverAfterRedisLoss(): Promise<void> {
    const count = await this.d.chain.taskCount();
    let restored = 0;
    for (let id = 1n; id <= count; id++) {
      const task = await this.d.chain.getTask(id);
      if (!task || task.currentRound === 0n) continue;
      const round = await this.d.chain.getRound(id, task.currentRound);
      if (round.state !== ROUND_STATE.Open && round.state !== ROUND_STATE.Closed) continue;
      const committed = await this.d.chain.committedParticipants(id, task.currentRound);
      restored += (await this.d.uploads.list(id, task.currentRound, round.openedAt, committed)).size;
    }
    this.d.log.warn({ tasks: Number(count), uploadRecords: restored }, 'recover: Redis had lost its data; upload records re-indexed from the store');
    await this.sweep();
  }

  /** Reconciles every task (safety net for a failed transaction or a missed event). Task ids start at 1. */
  async sweep(): Promise<void> {
    const count = await this.d.chain.taskCount();
    for (let id = 1n; id <= count; id++) {
      await this.reconcile(id).catch((err) => this.d.log.warn({ err, taskId: String(id) }, 'round: sweep failed for task'));
    }
  }
}
