/**
 * A short-lived read-through cache for chain views on the upload hot path: concurrent identical reads share one
 * RPC call and its result for `ttlMs`. A cache, never state: a restart loses nothing. Failed loads are not kept.
 */
export class ReadCache {
  private readonly entries = new Map<string, { at: number; ttl: number; value: Promise<unknown> }>();

  constructor(private readonly maxEntries = 10_000) {}

  get<T>(key: string, ttlMs: number, load: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < hit.ttl) return hit.value as Promise<T>;
    if (this.entries.size >= this.maxEntries) this.prune(now);
    const value = load().then(
      (v) => {
        if (!keep(v)) this.entries.delete(key);
        return v;
      },
      (error: unknown) => {
        this.entries.delete(key);
        throw error;
      },
    );
    this.entries.set(key, { at: now, ttl: ttlMs, value });
    return value;
  }

  private prune(now: number): void {
    for (const [k, e] of this.entries) if (now - e.at >= e.ttl) this.entries.delete(k);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
  }
}
