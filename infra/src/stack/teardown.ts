// Things the stack started, stopped in reverse order. Every step runs even if an earlier one fails.
import type { Logger } from 'pino';

export class Teardown {
  private readonly steps: { name: string; stop: () => Promise<unknown> | unknown }[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly log?: Logger) {}

  /** Registers how to stop something that has just started. */
  add(name: string, stop: () => Promise<unknown> | unknown): void {
    this.steps.push({ name, stop });
  }

  get size(): number {
    return this.steps.length;
  }

  /** Stops everything, last started first; safe to call twice (the second call waits for the first). */
  run(): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        try {
          await step.stop();
          this.log?.debug({ component: step.name }, 'stop: stopped');
        } catch (err) {
          this.log?.warn({ err, component: step.name }, 'stop: failed to stop cleanly');
        }
      }
    })();
    return this.running;
  }
}

/** Runs `stop` on SIGINT/SIGTERM (devstack's, one implementation). */
export { onShutdownSignal } from '@cloister/devstack';
