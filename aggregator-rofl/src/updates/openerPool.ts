// Where the checks of one update run: in the job's thread (`InlineChecker`) or on a pool of worker threads
// (`OpenerPool`, one per core by default) so that the opens of several updates use every core while the job's
// thread downloads. Buffers travel by transfer, never by copy: a slot's ArrayBuffer goes to a worker and comes back
// with the answer. Updates are opened in place: the plaintext overwrites the ciphertext it came from. A linear
// aggregate (FedAvg's weighted sum) is folded on the pool too (`fold`, in committed order: orderedFold.ts), so both
// cores open and fold while the job's thread only downloads and decides.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { OpenWorkerFailedError } from '../errors';
import { checkUpdate, noChecks, type CheckParams, type CheckResult, type ChecksDone, type OpenedUpdate, type RejectedUpdate, type UpdateToCheck } from './checks';
import { foldInOrder, type FoldTarget } from './orderedFold';

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

/** Runs `checkUpdate` for one update at a time per thread, and folds accepted updates into a linear aggregate. */
export interface UpdateChecker {
  /** Threads the checks run on (0 = the caller's own). */
  readonly threads: number;
  check(slot: UpdateSlot, update: UpdateToCheck, params: CheckParams): Promise<CheckedUpdate>;
  /**
   * target.accumulator += weight · flat as fold rank `rank` (orderedFold.ts); `flat` is a checked update's view into
   * `slot`, which comes back (resolved) once the fold is done. Ranks must be handed out in order, from 0.
   */
  fold(slot: UpdateSlot, flat: Float32Array, target: FoldTarget, rank: number, weight: number): Promise<UpdateSlot>;
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

  async fold(slot: UpdateSlot, flat: Float32Array, target: FoldTarget, rank: number, weight: number): Promise<UpdateSlot> {
    // Ranks arrive in order on this one thread: every earlier rank is already folded, nothing waits.
    foldInOrder(target, rank, flat, weight);
    return slot;
  }

  async close(): Promise<void> {}
}

/** @internal What the job's thread sends to a worker: an update to check, */
export type CheckRequest = {
  kind: 'check';
  id: number;
  ct: ArrayBuffer;
  ctLength: number;
  update: Omit<UpdateToCheck, 'ciphertext'>;
  params: CheckParams;
};

/** @internal or an opened update to fold (`buffer` holds it at `offset`, `length` floats; `target` is shared memory). */
export type FoldRequest = {
  kind: 'fold';
  id: number;
  buffer: ArrayBuffer;
  offset: number;
  length: number;
  target: FoldTarget;
  rank: number;
  weight: number;
};

/** @internal A fold's answer: the buffer comes back. */
export type FoldReply = { kind: 'fold'; id: number; buffer: ArrayBuffer; error?: string };

/** @internal A check's answer: the slot's buffer comes back, holding the plaintext. */
export type CheckReply = {
  kind: 'check';
  id: number;
  ct: ArrayBuffer;
  checks: ChecksDone;
  error?: string;
  result?: RejectedUpdate | Omit<OpenedUpdate, 'flat'>;
  view?: { offset: number; length: number } | { copy: Float32Array };
};

type Pending = { resolve: (reply: CheckReply | FoldReply) => void; reject: (e: Error) => void };

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
    thread.worker.on('message', (reply: CheckReply | FoldReply) => thread.answer(reply));
    thread.worker.on('error', (err) => onExit(thread, new OpenWorkerFailedError(`opener worker failed: ${err.message}`, { cause: err })));
    thread.worker.on('exit', (code) => onExit(thread, new OpenWorkerFailedError(`opener worker exited (code ${code})`)));
    thread.worker.unref();
    return thread;
  }

  private answer(reply: CheckReply | FoldReply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    p.resolve(reply);
  }

  failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

/** A check's answer as the job sees it: the slot back, `flat` a view into it. */
function checkedFrom(reply: CheckReply): CheckedUpdate {
  const slot: UpdateSlot = { ciphertext: new Uint8Array(reply.ct) };
  if (reply.error !== undefined || reply.result === undefined) {
    throw new OpenWorkerFailedError(`opener worker: ${reply.error ?? 'empty reply'}`);
  }
  if (!reply.result.ok) return { slot, result: reply.result, checks: reply.checks };
  const view = reply.view!;
  const flat = 'copy' in view ? view.copy : new Float32Array(reply.ct, view.offset, view.length);
  return { slot, result: { ...reply.result, flat }, checks: reply.checks };
}

/**
 * `size` worker threads (default: one per core) that run all five checks of an update (hash, signature, open,
 * decode, validate) and the folds of a linear aggregate; the job's thread downloads and decides. A request goes to
 * the thread with the fewest pending. Threads start on first use (or `start()`), do not keep the process alive while
 * idle (unref), and exit after `idleMs` without work (each isolate costs ≈ 20–40 MB RSS).
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
    const { ciphertext: _ciphertext, ...rest } = update;
    const request: Omit<CheckRequest, 'id'> = { kind: 'check', ct: ct.buffer as ArrayBuffer, ctLength: update.ciphertext.length, update: rest, params };
    return this.send(request, request.ct).then((reply) => checkedFrom(reply as CheckReply));
  }

  fold(slot: UpdateSlot, flat: Float32Array, target: FoldTarget, rank: number, weight: number): Promise<UpdateSlot> {
    // The update goes where it lies: the slot's buffer (or, for an update that was not contiguous, its own copy).
    const inSlot = flat.buffer === slot.ciphertext.buffer;
    const buffer = flat.buffer as ArrayBuffer;
    const request: Omit<FoldRequest, 'id'> = { kind: 'fold', buffer, offset: flat.byteOffset, length: flat.length, target, rank, weight };
    return this.send(request, buffer).then((reply) => {
      if (reply.kind !== 'fold' || reply.error !== undefined) throw new OpenWorkerFailedError(`opener worker fold: ${reply.error ?? 'wrong reply'}`);
      return inSlot ? { ciphertext: new Uint8Array(reply.buffer) } : slot;
    });
  }

  /** Posts one request to the least busy thread, `transfer` moved (not copied) with it. */
  private send(request: Omit<CheckRequest, 'id'> | Omit<FoldRequest, 'id'>, transfer: ArrayBuffer): Promise<CheckReply | FoldReply> {
    if (this.idleTimer !== null) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    const thread = this.leastBusy();
    thread.worker.ref();
    const id = this.nextId;
    this.nextId += 1;
    return new Promise<CheckReply | FoldReply>((resolve, reject) => {
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
      thread.worker.postMessage({ ...request, id }, [transfer]);
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
