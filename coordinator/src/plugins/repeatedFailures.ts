import type { Logger } from 'pino';

/**
 * Logs a failure that repeats (a Redis outage reports an error per reconnect attempt and per command, ≈ 35 lines a
 * second) once per interval with a count: the first occurrence at once, then at most one line per `intervalMs`
 * saying how many there were since the last line. One instance per source; each message is counted on its own.
 */
export class RepeatedFailureLog {
  private readonly seen = new Map<string, { lastLoggedAt: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reports one failure; returns true when it was written to the log. */
  warn(err: unknown, message: string): boolean {
    const at = this.now();
    const entry = this.seen.get(message);
    if (entry && at - entry.lastLoggedAt < this.intervalMs) {
      entry.suppressed += 1;
      return false;
    }
    const repeated = entry?.suppressed ?? 0;
    this.seen.set(message, { lastLoggedAt: at, suppressed: 0 });
    if (repeated > 0) this.log.warn({ err, repeated, intervalMs: this.intervalMs }, `${message} (${repeated} more since the last report)`);
    else this.log.warn({ err }, message);
    return true;
  }
}
