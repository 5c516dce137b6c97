// Per-querier rate limit shared by every aggregator instance: a fixed window counter in Redis (INCR + PEXPIRE).
import type { Redis } from 'ioredis';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class QuerierRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    /** Requests per window and querier. */
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async take(querier: string): Promise<RateDecision> {
    const window = Math.floor(Date.now() / this.windowMs);
    const key = `${this.prefix}:inference:rate:${querier.toLowerCase()}:${window}`;
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, this.windowMs * 2).exec()) as [[null, number], unknown];
    if (count <= this.limit) return { allowed: true };
    const retryAfterMs = (window + 1) * this.windowMs - Date.now();
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
  }
}
