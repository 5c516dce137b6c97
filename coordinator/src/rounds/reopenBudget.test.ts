import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FilesystemStore } from '../store/FilesystemStore';
import { DurableDocuments } from '../store/durableDocuments';
import { ReopenBudget } from './reopenBudget';

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'cloister-reopen-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ReopenBudget (faults issue item 5: the counter outlives Redis)', () => {
  it('allows maxReopens reopens per round, counts a retried reopen once, and remembers across instances', async () => {
    const budget = new ReopenBudget(new DurableDocuments(new FilesystemStore(dir)), 2);
    expect(await budget.claim(1n, 3n, 100n)).toBe(true);
    expect(await budget.claim(1n, 3n, 100n)).toBe(true); // the same failed opening again (openRound retried)
    expect(await budget.claim(1n, 3n, 200n)).toBe(true);
    expect(await budget.spent(1n, 3n, 300n)).toBe(2);
    // A new coordinator on the same store (Redis empty or not: it is not asked).
    const again = new ReopenBudget(new DurableDocuments(new FilesystemStore(dir)), 2);
    expect(await again.claim(1n, 3n, 300n)).toBe(false);
    expect(await again.claim(1n, 4n, 300n)).toBe(true); // another round has its own budget
  });
});
