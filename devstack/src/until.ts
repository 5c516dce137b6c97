import { setTimeout as sleep } from 'node:timers/promises';
/**
 * Polls `probe` every `intervalMs` until it returns a truthy value, and returns that value. Throws
 * `timed out waiting for <what>` once `timeoutMs` have passed (the probe always runs at least once).
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${timeoutMs} ms)`);
    await sleep(intervalMs);
  }
}
