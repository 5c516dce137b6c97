import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChainClient, ChainEvent } from './types';
import type { DurableDocuments } from '../store/durableDocuments';
import { RepeatedFailureLog } from '../plugins/repeatedFailures';

/** Store namespace of the watcher's durable cursor. */
export const WATCHER_CURSORS = 'watcher-cursors';

export type WatcherOptions = {
  chain: ChainClient;
  redis: Redis;
  keyPrefix: string;
  log: Logger;
  confirmations: number;
  pollIntervalMs: number;
  maxBlockRange: number;
  /** First block to scan when no cursor is stored. */
  startBlock: number;
  /**
   * Called with each range's events, in chain order (never with none); a throw leaves the cursor and the range is
   * retried next poll. One call per range, so that a burst of events (ten commits mined together) is acted on once.
   */
  onEvents: (events: ChainEvent[]) => Promise<void>;
  /** Called every `sweepEveryMs` (safety net reconcile). */
  onSweep?: () => Promise<void>;
  sweepEveryMs?: number;
  onBlock?: (block: number) => void;
  /**
   * Where the cursor is kept durably (the artifact store), written after each range that had events. Redis keeps the
   * working copy; when Redis has none but the store has one, Redis lost its data: the watcher resumes from the store's
   * cursor (the blocks after it held no event, so no event is replayed and nothing is announced twice) and calls
   * `onRedisLoss` before going on.
   */
  documents?: DurableDocuments;
  onRedisLoss?: () => Promise<void>;
};

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * Follows TaskManager events by polling getLogs up to `head - confirmations`. The last processed block lives in
 * Redis and, after every range with events, in the store, so a restarted coordinator (or one whose Redis lost its
 * data) catches up from where it stopped without replaying events it already acted on. Among several instances one
 * holds a lease and watches; the others wait to take over. Polling is the safety net: whatever tells this process
 * that the chain moved (its own transaction mined, an aggregation job done) calls `poke()` and the watcher reads the
 * new blocks at once, so a round's transitions follow events, not the poll interval.
 */
export class ChainWatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private again = false;
  private lastSweep = 0;
  private readonly instance = randomBytes(8).toString('hex');
  private readonly failures: RepeatedFailureLog;

  constructor(private readonly o: WatcherOptions) {
    this.failures = new RepeatedFailureLog(o.log);
  }

  get cursorKey(): string {
    return `${this.o.keyPrefix}chain:cursor`;
  }
  private get leaseKey(): string {
    return `${this.o.keyPrefix}chain:leader`;
  }

  async cursor(): Promise<number | null> {
    const raw = await this.o.redis.get(this.cursorKey);
    return raw === null ? null : Number(raw);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((err: unknown) => {
          this.failures.warn(err, 'chain: poll failed, retrying');
        })
        .finally(() => {
          this.running = null;
          // A poke during the tick may have come after the tick read the head: read again now.
          const again = this.again;
          this.again = false;
          this.schedule(again ? 0 : this.o.pollIntervalMs);
        });
    }, delay);
  }

  /**
   * Reads new blocks now instead of at the next poll (the chain moved: a transaction of ours was mined, the
   * aggregator finished a job). Coalesced: during a tick, one more tick follows it; otherwise the pending poll is
   * brought forward.
   */
  poke(): void {
    if (this.stopped) return;
    if (this.running !== null) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  private async holdLease(): Promise<boolean> {
    const ttl = Math.max(5_000, this.o.pollIntervalMs * 5);
    if ((await this.o.redis.set(this.leaseKey, this.instance, 'PX', ttl, 'NX')) === 'OK') return true;
    return (await this.o.redis.eval(RENEW, 1, this.leaseKey, this.instance, String(ttl))) === 1;
  }

  /** One poll: process confirmed blocks after the cursor, in ranges of at most maxBlockRange. */
  async tick(): Promise<void> {
    if (!(await this.holdLease())) return;
    const head = (await this.o.chain.blockNumber()) - this.o.confirmations;
    let cursor = (await this.cursor()) ?? (await this.recoverCursor()) ?? this.o.startBlock - 1;
    while (!this.stopped && cursor < head) {
      const from = cursor + 1;
      const to = Math.min(head, from + this.o.maxBlockRange - 1);
      const events = await this.o.chain.events(from, to);
      if (this.stopped) return; // leave the cursor: the range is redone next time
      if (events.length > 0) {
        await this.o.onEvents(events);
        await this.o.documents?.write(WATCHER_CURSORS, this.cursorKey, { block: to });
      }
      await this.o.redis.set(this.cursorKey, String(to));
      this.o.onBlock?.(to);
      if (events.length > 0) this.o.log.debug({ from, to, events: events.length }, 'chain: processed');
      cursor = to;
    }
    if (this.o.onSweep && Date.now() - this.lastSweep >= (this.o.sweepEveryMs ?? 30_000)) {
      this.lastSweep = Date.now();
      await this.o.onSweep();
    }
  }

  /** The store's cursor when Redis has none (Redis lost its data): restores it, then runs onRedisLoss. */
  private async recoverCursor(): Promise<number | null> {
    const durable = await this.o.documents?.read<{ block: number }>(WATCHER_CURSORS, this.cursorKey);
    if (!durable) return null;
    this.o.log.warn({ block: durable.block }, 'chain: Redis has no cursor but the store has one (Redis lost its data): resuming from the store');
    await this.o.onRedisLoss?.();
    await this.o.redis.set(this.cursorKey, String(durable.block));
    return durable.block;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.running) await this.running;
    await this.o.redis.eval(`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`, 1, this.leaseKey, this.instance).catch(() => undefined);
  }
}
