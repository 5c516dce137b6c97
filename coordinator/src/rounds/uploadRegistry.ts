import type { Redis } from 'ioredis';

/** What the coordinator remembers about an accepted upload (Redis hash per round opening). */
export type UploadRecord = {
  participant: string;
  ciphertextHash: `0x${string}`;
  size: number;
  /** Store key of the ciphertext (`updates/<hex>`). */
  key: string;
  signature: string;
  receivedAt: number;
};

/** Upload records in Redis: `<prefix>uploads:<taskId>:<round>:<openedAt>` → { participant: JSON }. */
export class UploadRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key(taskId: bigint, round: bigint, openedAt: bigint): string {
    return `${this.keyPrefix}uploads:${taskId}:${round}:${openedAt}`;
  }

  /**
   * Records an upload unless one exists for this participant. Returns `{ created: true }` or the existing record.
   */
  async record(taskId: bigint, round: bigint, openedAt: bigint, rec: UploadRecord): Promise<{ created: true } | { created: false; existing: UploadRecord }> {
    const key = this.key(taskId, round, openedAt);
    const created = await this.redis.hsetnx(key, rec.participant, JSON.stringify(rec));
    if (created === 1) return { created: true };
    const existing = await this.redis.hget(key, rec.participant);
    return { created: false, existing: JSON.parse(existing!) as UploadRecord };
  }

  async get(taskId: bigint, round: bigint, openedAt: bigint, participant: string): Promise<UploadRecord | null> {
    const raw = await this.redis.hget(this.key(taskId, round, openedAt), participant);
    return raw ? (JSON.parse(raw) as UploadRecord) : null;
  }

  /** How many uploads this round opening has (HLEN: O(1), no records read). */
  count(taskId: bigint, round: bigint, openedAt: bigint): Promise<number> {
    return this.redis.hlen(this.key(taskId, round, openedAt));
  }

  async list(taskId: bigint, round: bigint, openedAt: bigint): Promise<Map<string, UploadRecord>> {
    const all = await this.redis.hgetall(this.key(taskId, round, openedAt));
    return new Map(Object.entries(all).map(([p, raw]) => [p, JSON.parse(raw) as UploadRecord]));
  }
}
