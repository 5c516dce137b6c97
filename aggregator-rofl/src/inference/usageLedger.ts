// What the TEE answered and has not yet settled on chain, kept in Redis so that it survives a restart of the
// aggregator and is shared by several instances. Charging exactly once does not rest on this ledger: InferenceCredit
// refuses a (task, querier, request id) it has settled, so a batch sent twice (two instances, a crash between the
// settle transaction and the ledger cleanup) charges nothing the second time. The ledger only makes sure every
// answered request reaches a settlement and lets the credit check count usage that is answered but not yet settled.
import type { Redis } from 'ioredis';

export type UsageEntry = { taskId: bigint; querier: string; requestId: string; rows: number; cost: bigint };

const FIELD_SEPARATOR = '|';
/** How long a request id is remembered here; the contract remembers settled ids for ever. */
const SEEN_TTL_SECONDS = 30 * 24 * 3600;
const RECORD_SCRIPT = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[6]) then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[3])
  redis.call('HINCRBY', KEYS[4], ARGV[4], ARGV[5])
  return 1
end
return 0`;

export class UsageLedger {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private pendingKey(taskId: bigint): string {
    return `${this.prefix}:inference:pending:${taskId}`;
  }
  private tasksKey(): string {
    return `${this.prefix}:inference:tasks`;
  }
  private unsettledKey(): string {
    return `${this.prefix}:inference:unsettled`;
  }
  private seenKey(entry: Pick<UsageEntry, 'taskId' | 'querier' | 'requestId'>): string {
    return `${this.prefix}:inference:seen:${entry.taskId}:${entry.querier.toLowerCase()}:${entry.requestId.toLowerCase()}`;
  }

  /**
   * Records an answered request once: returns false (and records nothing) when this (task, querier, request id) was
   * answered before, so a retried request is answered again but never queued for a second charge.
   */
  async recordAnswered(entry: UsageEntry): Promise<boolean> {
    const field = `${entry.querier.toLowerCase()}${FIELD_SEPARATOR}${entry.requestId.toLowerCase()}`;
    const value = `${entry.rows}${FIELD_SEPARATOR}${entry.cost}`;
    // One script: the seen marker, the pending entry and the querier's unsettled sum change together or not at all.
    const recorded = await this.redis.eval(
      RECORD_SCRIPT,
      4,
      this.seenKey(entry),
      this.pendingKey(entry.taskId),
      this.tasksKey(),
      this.unsettledKey(),
      field,
      value,
      entry.taskId.toString(),
      entry.querier.toLowerCase(),
      entry.cost.toString(),
      SEEN_TTL_SECONDS,
    );
    return recorded === 1;
  }

  /** Whether this request was answered before (then it is not charged again). */
  async wasAnswered(entry: Pick<UsageEntry, 'taskId' | 'querier' | 'requestId'>): Promise<boolean> {
    return (await this.redis.exists(this.seenKey(entry))) === 1;
  }

  /** The cost of the querier's answered requests not yet settled (all tasks). */
  async unsettledCost(querier: string): Promise<bigint> {
    return BigInt((await this.redis.hget(this.unsettledKey(), querier.toLowerCase())) ?? '0');
  }

  /** Tasks with entries waiting for settlement. */
  async pendingTasks(): Promise<bigint[]> {
    return (await this.redis.smembers(this.tasksKey())).map((t) => BigInt(t));
  }

  /** Up to `max` pending entries of a task. */
  async pending(taskId: bigint, max: number): Promise<UsageEntry[]> {
    const out: UsageEntry[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.pendingKey(taskId), cursor, 'COUNT', Math.max(10, max));
      cursor = next;
      for (let i = 0; i + 1 < flat.length && out.length < max; i += 2) {
        const [querier, requestId] = flat[i]!.split(FIELD_SEPARATOR) as [string, string];
        const [rows, cost] = flat[i + 1]!.split(FIELD_SEPARATOR) as [string, string];
        out.push({ taskId, querier, requestId, rows: Number(rows), cost: BigInt(cost) });
      }
    } while (cursor !== '0' && out.length < max);
    return out;
  }

  /** Removes settled entries (after the settle transaction succeeded). Entries already removed are skipped. */
  async markSettled(entries: readonly UsageEntry[]): Promise<void> {
    for (const e of entries) {
      const field = `${e.querier.toLowerCase()}${FIELD_SEPARATOR}${e.requestId.toLowerCase()}`;
      const removed = await this.redis.hdel(this.pendingKey(e.taskId), field);
      if (removed === 1) await this.redis.hincrby(this.unsettledKey(), e.querier.toLowerCase(), -Number(e.cost));
    }
    const tasks = new Set(entries.map((e) => e.taskId));
    for (const t of tasks) {
      if ((await this.redis.hlen(this.pendingKey(t))) === 0) await this.redis.srem(this.tasksKey(), t.toString());
    }
  }
}
