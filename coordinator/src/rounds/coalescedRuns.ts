/**
 * Runs of a check that callers may share, per key: a caller gets the result of a run that started after it called
 * (never of one already under way, which may not see what the caller just wrote), and every caller that comes while
 * a run is under way shares the one run queued after it. So n concurrent callers cause two runs, not n, and none of
 * them misses its own write. Failed runs are shared too (each caller sees the error).
 */
export class CoalescedRuns<T> {
  private readonly runs = new Map<string, { running: Promise<T>; queued: Promise<T> | null }>();

  run(key: string, call: () => Promise<T>): Promise<T> {
    const entry = this.runs.get(key);
    if (!entry) return this.start(key, call);
    const settled = entry.running.then(
      () => undefined,
      () => undefined,
    );
    entry.queued ??= settled.then(() => this.start(key, call));
    return entry.queued;
  }

  private start(key: string, call: () => Promise<T>): Promise<T> {
    const running = Promise.resolve().then(call);
    const entry: { running: Promise<T>; queued: Promise<T> | null } = { running, queued: null };
    this.runs.set(key, entry);
    // With a queued run the entry stays until that run starts and replaces it: a caller in between joins the queued run.
    const forget = () => {
      if (this.runs.get(key) === entry && entry.queued === null) this.runs.delete(key);
    };
    running.then(forget, forget);
    return running;
  }
}
