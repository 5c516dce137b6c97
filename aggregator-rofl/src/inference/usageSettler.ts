// Settles answered requests on chain in batches through appd (InferenceCredit.settle, authorized ROFL origin).
// Charging happens at most once per request id whatever happens here: the contract refuses settled ids. A batch whose
// transaction fails stays pending and is retried on the next tick.
import { InferenceCredit__factory } from '@cloister/contracts';
import type { Logger } from 'pino';
import type { AppdClient } from '../appd/appdClient';
import type { UsageEntry, UsageLedger } from './usageLedger';

export type UsageSettlerOptions = {
  appd: Pick<AppdClient, 'signSubmit'>;
  ledger: UsageLedger;
  inferenceCreditAddress: string;
  /** Requests per settle transaction. */
  batchSize: number;
  /** Called after a batch is settled and removed from the ledger. */
  onSettled?: (entries: readonly UsageEntry[]) => void;
  log: Logger;
};

/**
 * settle gas: ≈ 60k per request (SSTOREs of the settled marker and the credit) plus the activation of newly accepted
 * rounds' scores, which a settlement runs first (≈ 25k per round read + 45k per contributor): a fixed 3M covers a few
 * dozen contributors over several rounds. Gas is charged as used; the limit only caps it.
 */
export function settleGasLimit(requests: number): number {
  return 3_000_000 + 80_000 * requests;
}

export class UsageSettler {
  private readonly iface = InferenceCredit__factory.createInterface();
  private running: Promise<number> | null = null;

  constructor(private readonly options: UsageSettlerOptions) {}

  /** Settles every pending request now (one transaction per batch); returns how many were sent. */
  settleAll(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    const { ledger, batchSize, log } = this.options;
    let sent = 0;
    for (const taskId of await ledger.pendingTasks()) {
      for (;;) {
        const batch = await ledger.pending(taskId, batchSize);
        if (batch.length === 0) break;
        const data = this.iface.encodeFunctionData('settle', [
          taskId,
          batch.map((e) => e.requestId),
          batch.map((e) => e.querier),
          batch.map((e) => e.rows),
        ]);
        await this.options.appd.signSubmit({ to: this.options.inferenceCreditAddress, data, gasLimit: settleGasLimit(batch.length) });
        await ledger.markSettled(batch);
        this.options.onSettled?.(batch);
        sent += batch.length;
        log.info({ taskId: taskId.toString(), requests: batch.length }, 'inference: usage settled on chain');
        if (batch.length < batchSize) break;
      }
    }
    return sent;
  }

  /** Runs settleAll every `intervalMs` until the returned stop function is called. */
  every(intervalMs: number): () => Promise<void> {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      if (stopped) return;
      await this.settleAll().catch((err: unknown) => this.options.log.warn({ err }, 'inference: settlement failed; retrying on the next tick'));
      if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
    };
    timer = setTimeout(() => void tick(), intervalMs);
    return async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await this.running?.catch(() => undefined);
    };
  }
}
