import type { Redis } from 'ioredis';
import type { DurableDocuments } from '../store/durableDocuments';

/** What the coordinator remembers about an accepted upload. */
export type UploadRecord = {
  participant: string;
  ciphertextHash: `0x${string}`;
  size: number;
  /** Store key of the ciphertext (`updates/<hex>`). */
  key: string;
  signature: string;
  receivedAt: number;
};

/** Store namespace of upload records (one JSON document per participant and round opening). */
export const UPLOAD_RECORDS = 'upload-records';

/**
 * Upload records. The store is the record: an upload is answered 200 only after its record document is in the
 * artifact store (next to its ciphertext), so a Redis that lost its data loses no accepted upload. Redis holds the
 * index the hot paths read (`<prefix>uploads:<taskId>:<round>:<openedAt>` → { participant: JSON }: HSETNX decides
 * which of two concurrent uploads wins, HLEN counts); a record missing there is read back from the store and
 * re-indexed.
 */
export class UploadRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly documents: DurableDocuments,
  ) {}

  private key(taskId: bigint, round: bigint, openedAt: bigint): string {
    return `${this.keyPrefix}uploads:${taskId}:${round}:${openedAt}`;
  }

  private documentName(taskId: bigint, round: bigint, openedAt: bigint, participant: string): string {
    return `${taskId}:${round}:${openedAt}:${participant}`;
  }

  /**
   * Records an upload unless one exists for this participant. Returns `{ created: true }` once the record is durable
   * in the store, or the existing record. When the store write fails the index entry is removed again and the error
   * is thrown: nothing is acknowledged that is not in the store.
   */
  async record(taskId: bigint, round: bigint, openedAt: bigint, rec: UploadRecord): Promise<{ created: true } | { created: false; existing: UploadRecord }> {
    const key = this.key(taskId, round, openedAt);
    const created = await this.redis.hsetnx(key, rec.participant, JSON.stringify(rec));
    if (created !== 1) {
      const raw = await this.redis.hget(key, rec.participant);
      return { created: false, existing: JSON.parse(raw!) as UploadRecord };
    }
    try {
      await this.documents.write(UPLOAD_RECORDS, this.documentName(taskId, round, openedAt, rec.participant), rec);
    } catch (error) {
      await this.redis.hdel(key, rec.participant).catch(() => undefined);
      throw error;
    }
    return { created: true };
  }

  /** The record from the Redis index, else from the store (then re-indexed); null when there is none. */
  async get(taskId: bigint, round: bigint, openedAt: bigint, participant: string): Promise<UploadRecord | null> {
    const raw = await this.redis.hget(this.key(taskId, round, openedAt), participant);
    if (raw) return JSON.parse(raw) as UploadRecord;
    const stored = await this.documents.read<UploadRecord>(UPLOAD_RECORDS, this.documentName(taskId, round, openedAt, participant));
    if (stored) await this.redis.hsetnx(this.key(taskId, round, openedAt), participant, JSON.stringify(stored));
    return stored;
  }

  /** How many uploads the Redis index has for this round opening (HLEN: O(1), no records read). */
  count(taskId: bigint, round: bigint, openedAt: bigint): Promise<number> {
    return this.redis.hlen(this.key(taskId, round, openedAt));
  }

  /**
   * Every record of this round opening. With `participants` (the committed set), a participant missing from the
   * Redis index is looked up in the store and re-indexed, so the list is whole even after Redis lost its data.
   */
  async list(taskId: bigint, round: bigint, openedAt: bigint, participants: readonly string[] = []): Promise<Map<string, UploadRecord>> {
    const all = await this.redis.hgetall(this.key(taskId, round, openedAt));
    const records = new Map(Object.entries(all).map(([p, raw]) => [p, JSON.parse(raw) as UploadRecord]));
    const missing = participants.filter((p) => !records.has(p));
    // A few at a time: one store read each, only for participants the index does not know.
    for (let i = 0; i < missing.length; i += 16) {
      const found = await Promise.all(missing.slice(i, i + 16).map((p) => this.get(taskId, round, openedAt, p)));
      for (const rec of found) if (rec) records.set(rec.participant, rec);
    }
    return records;
  }
}
