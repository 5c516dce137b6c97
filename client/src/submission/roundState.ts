// Per-round submission state on local disk, so a crash or restart mid-round resumes without double-submitting:
// the sealed ciphertext and its hash are written (atomically) before the commit transaction is sent.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '@cloister/protocol';
import { StateCorruptError } from '../errors';

export type SubmissionStatus = 'sealed' | 'committed' | 'uploaded';

export interface RoundRecord {
  version: 1;
  chainId: string;
  taskManager: string;
  taskId: string;
  round: string;
  /** Opening time of the round attempt (a failed round reopened is a new attempt with a new state). */
  openedAt: string;
  participant: string;
  globalModelHash: string;
  ciphertextHash: string;
  ciphertextSize: number;
  signature: string;
  status: SubmissionStatus;
  commitTx?: string;
  numExamples: number;
  updatedAt: string;
}

export interface RoundKey {
  chainId: bigint;
  taskManager: string;
  taskId: bigint;
  round: bigint;
  openedAt: bigint;
  participant: string;
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, path);
}

export class RoundStateStore {
  constructor(readonly dir: string) {}

  private base(key: RoundKey): string {
    const folder = join(this.dir, `${key.chainId}-${key.taskManager.toLowerCase()}`, `task-${key.taskId}`);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    return join(folder, `round-${key.round}-${key.openedAt}-${key.participant.toLowerCase()}`);
  }

  /** The stored record and ciphertext of a round attempt, or null. Checks the ciphertext against its hash. */
  load(key: RoundKey): { record: RoundRecord; ciphertext: Uint8Array } | null {
    const base = this.base(key);
    if (!existsSync(`${base}.json`)) return null;
    let record: RoundRecord;
    try {
      record = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as RoundRecord;
    } catch (error) {
      throw new StateCorruptError(`The round state ${base}.json is unreadable; move it away to start the round afresh.`, { details: { file: `${base}.json` }, cause: error });
    }
    let ciphertext: Uint8Array;
    try {
      ciphertext = new Uint8Array(readFileSync(`${base}.sealed`));
    } catch (error) {
      throw new StateCorruptError(`The sealed update ${base}.sealed is missing.`, { details: { file: `${base}.sealed` }, cause: error });
    }
    if (sha256Hex(ciphertext) !== record.ciphertextHash) {
      throw new StateCorruptError(`The sealed update ${base}.sealed does not match its recorded hash.`, { details: {
        file: `${base}.sealed`, expected: record.ciphertextHash,
      } });
    }
    return { record, ciphertext };
  }

  /** Writes the ciphertext first, then the record (each atomically): a record always has its ciphertext. */
  saveSealed(key: RoundKey, record: RoundRecord, ciphertext: Uint8Array): void {
    const base = this.base(key);
    writeAtomic(`${base}.sealed`, ciphertext);
    writeAtomic(`${base}.json`, JSON.stringify(record, null, 2));
  }

  update(key: RoundKey, record: RoundRecord, patch: Partial<RoundRecord>): RoundRecord {
    const next = { ...record, ...patch, updatedAt: new Date().toISOString() };
    writeAtomic(`${this.base(key)}.json`, JSON.stringify(next, null, 2));
    return next;
  }
}
