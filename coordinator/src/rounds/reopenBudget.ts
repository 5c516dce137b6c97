import type { DurableDocuments } from '../store/durableDocuments';

/** Store namespace of the reopen ledgers (one per task and round). */
export const REOPEN_LEDGERS = 'reopen-ledgers';

type Ledger = { openings: string[] };

/**
 * How many times a failed or rejected round was reopened, kept in the artifact store (it lived only in Redis and
 * came back as zero after Redis lost its data, so a spent budget was spent again). The ledger lists the openings
 * (`openedAt`) that were reopened; an opening is written before its openRound transaction goes out, so a crash in
 * between cannot give one more reopen than the budget.
 */
export class ReopenBudget {
  constructor(
    private readonly documents: DurableDocuments,
    private readonly maxReopens: number,
  ) {}

  private async ledger(taskId: bigint, round: bigint): Promise<Ledger> {
    return (await this.documents.read<Ledger>(REOPEN_LEDGERS, `${taskId}:${round}`)) ?? { openings: [] };
  }

  /** Reopens already spent on this round, not counting `openedAt` itself. */
  async spent(taskId: bigint, round: bigint, openedAt: bigint): Promise<number> {
    return (await this.ledger(taskId, round)).openings.filter((o) => o !== openedAt.toString()).length;
  }

  /** True when the failed opening `openedAt` may be reopened; then it is counted (durably) before the caller sends. */
  async claim(taskId: bigint, round: bigint, openedAt: bigint): Promise<boolean> {
    const ledger = await this.ledger(taskId, round);
    const key = openedAt.toString();
    if (ledger.openings.includes(key)) return true; // counted already: a retry of the same reopen
    if (ledger.openings.length >= this.maxReopens) return false;
    await this.documents.write(REOPEN_LEDGERS, `${taskId}:${round}`, { openings: [...ledger.openings, key] });
    return true;
  }
}
