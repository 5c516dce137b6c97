// Where the checks of one update run: in the job's thread (`InlineChecker`) or on a pool of worker threads
// (`OpenerPool`, one per core by default) so that the opens of several updates use every core while the job's
// thread downloads and folds. Buffers travel by transfer, never by copy: a slot's ArrayBuffer goes to a worker and
// comes back with the answer. Updates are opened in place: the plaintext overwrites the ciphertext it came from.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { OpenWorkerFailedError } from '../errors';
import { checkUpdate, noChecks, type CheckParams, type CheckResult, type ChecksDone, type OpenedUpdate, type RejectedUpdate, type UpdateToCheck } from './checks';

/**
 * The buffer of one in-flight update: the ciphertext is downloaded into it, then opened in place (each plaintext
 * chunk lands before the ciphertext it came from, over bytes already read and hashed). It owns its whole ArrayBuffer
 * (offset 0), so it can be transferred to a worker and back.
 */
export type UpdateSlot = { ciphertext: Uint8Array };
export const newSlot = (): UpdateSlot => ({ ciphertext: new Uint8Array(0) });

/**
 * The ciphertext at offset 0 of the slot's own buffer: where the download put it, else copied there (a body read
 * without content-length, a caller's own bytes that must not be overwritten by the open).
 */
function intoSlot(slot: UpdateSlot, src: Uint8Array): Uint8Array {
  if (src.buffer === slot.ciphertext.buffer && src.byteOffset === 0) return slot.ciphertext;
  if (slot.ciphertext.length < src.length) slot.ciphertext = new Uint8Array(src.length);
  slot.ciphertext.set(src);
  return slot.ciphertext;
}

/** One update's answer; an accepted one's `flat` is a view into the slot's buffer, valid until the slot is reused. */
export type CheckedUpdate = { slot: UpdateSlot; result: CheckResult; checks: ChecksDone };

/** Runs `checkUpdate` for one update at a time per thread. */
export interface UpdateChecker {
  /** Threads the checks run on (0 = the caller's own). */
  readonly threads: number;
  check(slot: UpdateSlot, update: UpdateToCheck, params: CheckParams): Promise<CheckedUpdate>;
  close(): Promise<void>;
}

/** Same thread: no worker, no transfer (CLOISTER_OPEN_WORKER=false, or a single-core machine). */
export class InlineChecker implements UpdateChecker {
  readonly threads = 0;

  async check(slot: UpdateSlot, update: UpdateToCheck, params: CheckParams): Promise<CheckedUpdate> {
    const buffer = intoSlot(slot, update.ciphertext);
    const checks = noChecks();
    const result = await checkUpdate({ ...update, ciphertext: buffer.subarray(0, update.ciphertext.length) }, params, buffer, checks);
    return { slot, result, checks };
  }

  async close(): Promise<void> {}
}

/** @internal What the job's thread sends to a worker. */
export type CheckRequest = {
  id: number;
  ct: ArrayBuffer;
  ctLength: number;
  update: Omit<UpdateToCheck, 'ciphertext'>;
  params: CheckParams;
};

/** @internal A worker's answer: the slot's buffer comes back, holding the plaintext. */
export type CheckReply = {
  id: number;
  ct: ArrayBuffer;
  checks: ChecksDone;
  error?: string;
  result?: RejectedUpdate | Omit<OpenedUpdate, 'flat'>;
  view?: { offset: number; length: number } | { copy: Float32Array };
};

type Pending = { resolve: (p: CheckedUpdate) => void; reject: (e: Error) => void };

/**
 * The compiled `openerWorker.js` next to this file (dist/, production); from the sources (jest, tsx) the bootstrap in
 * scripts/ registers tsx for `.ts` and loads `openerWorker.ts`.
 */
function spawnWorker(): Worker {
  const compiled = join(__dirname, 'openerWorker.js');
  if (__filename.endsWith('.js') && existsSync(compiled)) return new Worker(compiled);
  return new Worker(join(__dirname, '..', '..', 'scripts', 'ts-worker.js'), { workerData: { entry: join(__dirname, 'openerWorker.ts') }, execArgv: [] });
}

/** One worker thread and the requests it has not answered yet (it answers them in order, one at a time). */
class OpenerThread {
  readonly pending = new Map<number, Pending>();
  private constructor(readonly worker: Worker) {}

  static start(onExit: (thread: OpenerThread, error: Error) => void): OpenerThread {
    const thread = new OpenerThread(spawnWorker());
    thread.worker.on('message', (reply: CheckReply) => thread.answer(reply));
    thread.worker.on('error', (err) => onExit(thread, new OpenWorkerFailedError(`opener worker failed: ${err.message}`, { cause: err })));
    thread.worker.on('exit', (code) => onExit(thread, new OpenWorkerFailedError(`opener worker exited (code ${code})`)));
    thread.worker.unref();
    return thread;
  }

  private answer(reply: CheckReply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    const slot: UpdateSlot = { ciphertext: new Uint8Array(reply.ct) };
    if (reply.error !== undefined || reply.result === undefined) {
      p.reject(new OpenWorkerFailedError(`opener worker: ${reply.error ?? 'empty reply'}`));
      return;
    }
    if (!reply.result.ok) {
      p.resolve({ slot, result: reply.result, checks: reply.checks });
      return;
    }
    const view = reply.view!;
    const flat = 'copy' in view ? view.copy : new Float32Array(reply.ct, view.offset, view.length);
    p.resolve({ slot, result: { ...reply.result, flat }, checks: reply.checks });
  }

  failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

/**
 * `size` worker threads (default: one per core) that run all five checks of an update (hash, signature, open,
 * decode, validate); the job's thread only downloads and folds. A request goes to the thread with the fewest
 * pending. Threads start on first use (or `start()`), do not keep the process alive while idle (unref), and exit
 * after `idleMs` without work (each isolate costs ≈ 20–40 MB RSS).
 */
export class OpenerPool implements UpdateChecker {
  readonly threads: number;
  private pool: (OpenerThread | null)[];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(options: { size?: number; idleMs?: number } = {}) {
    this.threads = Math.max(1, Math.floor(options.size ?? availableParallelism()));
    this.pool = new Array<OpenerThread | null>(this.threads).fill(null);
    this.idleMs = options.idleMs ?? 60_000;
  }
  private readonly idleMs: number;

  /** Starts every thread now (a memory baseline taken afterwards includes their isolates). */
  start(): void {
    for (let k = 0; k < this.threads; k += 1) this.thread(k);
  }

  private thread(k: number): OpenerThread {
    const existing = this.pool[k];
    if (existing) return existing;
    const thread = OpenerThread.start((t, error) => {
      if (this.pool[k] === t) this.pool[k] = null;
      t.failAll(error);
    });
    this.pool[k] = thread;
    return thread;
  }

  private leastBusy(): OpenerThread {
    let best = 0;
    let fewest = Number.POSITIVE_INFINITY;
    for (let k = 0; k < this.threads; k += 1) {
      const pending = this.pool[k]?.pending.size ?? 0;
      if (pending < fewest) {
        fewest = pending;
        best = k;
      }
    }
    return this.thread(best);
  }

  check(slot: UpdateSlot, update: UpdateToCheck, params: CheckParams): Promise<CheckedUpdate> {
    // Transferable: the ciphertext at offset 0 of the slot's own ArrayBuffer.
    const ct = intoSlot(slot, update.ciphertext);
    if (this.idleTimer !== null) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    const thread = this.leastBusy();
    thread.worker.ref();
    const id = this.nextId;
    this.nextId += 1;
    const { ciphertext: _ciphertext, ...rest } = update;
    const request: CheckRequest = { id, ct: ct.buffer as ArrayBuffer, ctLength: update.ciphertext.length, update: rest, params };
    return new Promise<CheckedUpdate>((resolve, reject) => {
      thread.pending.set(id, {
        resolve: (answer) => {
          this.maybeIdle();
          resolve(answer);
        },
        reject: (error) => {
          this.maybeIdle();
          reject(error);
        },
      });
      thread.worker.postMessage(request, [request.ct]);
    });
  }

  private maybeIdle(): void {
    if (this.pool.some((t) => t !== null && t.pending.size > 0)) return;
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.close(), this.idleMs);
    this.idleTimer.unref();
  }

  /** Stops every thread; requests still pending are rejected. The next request starts fresh threads. */
  async close(): Promise<void> {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const threads = this.pool.filter((t): t is OpenerThread => t !== null);
    this.pool = new Array<OpenerThread | null>(this.threads).fill(null);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }
}

let shared: OpenerPool | null = null;

/** The process-wide opener pool (one thread per core). */
export function sharedOpenerPool(): OpenerPool {
  shared ??= new OpenerPool();
  return shared;
}

/** Terminates the process-wide pool's threads (startAggregator's close, tests' afterAll); the next job starts new ones. */
export async function closeOpenerPool(): Promise<void> {
  await shared?.close();
}
