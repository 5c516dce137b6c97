// Chain facts the inference path reads on every request (price, pause, a querier's credit, a task's model hash),
// cached for a short time: a JSON-RPC round trip per fact per request would cost more than the prediction itself.
// Staleness is bounded by `ttlMs` (default 1 s): a pause or a price change takes effect within it; a deposit shows
// within it; the TEE's own charges are counted by the usage ledger at once, so credit is never over-spent by more than
// what other instances answer within one TTL (and the contract charges nothing it cannot: RequestUnfunded).
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit !== undefined && now - hit.at < this.ttlMs) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = load();
    this.entries.set(key, { at: now, value });
    value.catch(() => this.entries.delete(key));
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
