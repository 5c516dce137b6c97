import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EnvelopeContext } from '@cloister/protocol';
import { OpenWorkerFailedError } from '../errors';
import { checkAndOpen, checkAuthenticity, type CheckParams, type UpdateToCheck } from './checkUpdate';
import type { OpenedUpdate, RejectedUpdate } from './updateOpener';

/**
 * The buffers of one in-flight update: the ciphertext is downloaded into `ciphertext`, the plaintext opened into
 * `plaintext`. Each owns its whole ArrayBuffer (offset 0), so it can be transferred to the open worker and back.
 * The job holds `pipelineDepth` slots: memory ≈ depth × (ciphertext + plaintext) + the strategy's accumulator.
 */
export type UpdateSlot = { ciphertext: Uint8Array; plaintext: Uint8Array };

export const newSlot = (): UpdateSlot => ({ ciphertext: new Uint8Array(0), plaintext: new Uint8Array(0) });

/** The result of one update; an accepted one's `flat` is a view into `slot.plaintext`, valid until the slot is reused. */
export type ProcessedUpdate = { slot: UpdateSlot; result: OpenedUpdate | RejectedUpdate };

/** Check + open + decode + validate one update (the CPU part of the job), in this thread or in the open worker. */
export interface UpdateProcessor {
  readonly kind: 'inline' | 'worker';
  process(slot: UpdateSlot, update: UpdateToCheck, params: CheckParams): Promise<ProcessedUpdate>;
}

/** Same thread: no worker, no transfer (AGG_OPEN_WORKER=false, or a single-core machine). */
export class InlineUpdateProcessor implements UpdateProcessor {
  readonly kind = 'inline' as const;

  async process(slot: UpdateSlot, update: UpdateToCheck, params: CheckParams): Promise<ProcessedUpdate> {
    if (slot.plaintext.length < update.ciphertext.length) slot.plaintext = new Uint8Array(update.ciphertext.length);
    return { slot, result: await checkAndOpen(update, params, slot.plaintext) };
  }
}

/** @internal The message the job's thread sends to the open worker. */
export type OpenRequest = {
  id: number;
  ct: ArrayBuffer;
  ctLength: number;
  pt: ArrayBuffer;
  context: EnvelopeContext;
  params: CheckParams;
  /** Small updates: hash and signature are checked in the worker too (see SMALL_UPDATE_BYTES). */
  authenticate?: { signature: string | undefined; commitment: string; sha256: string | undefined };
};

/**
 * Below this ciphertext size the signature recovery (≈ 1–1.5 ms, the same for any size) goes to the worker with the open:
 * opening a small update takes the worker ≈ 1 ms, so it has room, and the job's thread (busy with requests) has not.
 * Above it the open (≈ 8 ms per 4 MB: decrypt + validate) already fills the worker and the recovery stays in the job's thread.
 */
export const SMALL_UPDATE_BYTES = 1024 * 1024;

/** @internal The open worker's answer: both buffers come back (the plaintext possibly grown). */
export type OpenReply = {
  id: number;
  ct: ArrayBuffer;
  pt: ArrayBuffer;
  /** What failed in the worker: its message and, for a CloisterError, its code. */
  error?: { message: string; code?: string };
  result?: RejectedUpdate | Omit<OpenedUpdate, 'flat'>;
  view?: { offset: number; length: number } | { copy: Float32Array };
};

type Pending = { resolve: (p: ProcessedUpdate) => void; reject: (e: Error) => void };

/**
 * How the worker is started: the compiled `openWorker.js` next to this file (dist/, production); from the sources
 * (jest, `node -r register.js`) a small bootstrap registers @swc/core for `.ts` and loads `openWorker.ts`.
 */
function spawnOpenWorker(): Worker {
  const compiled = join(__dirname, 'openWorker.js');
  if (__filename.endsWith('.js') && existsSync(compiled)) return new Worker(compiled);
  return new Worker(join(__dirname, '..', '..', 'scripts', 'ts-worker.js'), {
    workerData: { entry: join(__dirname, 'openWorker.ts') },
    execArgv: [],
  });
}

/**
 * One worker thread that opens, decodes and validates updates while the job's thread downloads the next ones, checks
 * their hash and signature, and folds. Requests
 * are answered in order, one at a time. The worker is started on first use, does not keep the process alive while
 * idle (unref), and exits after `idleMs` without work (its isolate costs ≈ 20–40 MB RSS).
 */
export class WorkerUpdateProcessor implements UpdateProcessor {
  readonly kind = 'worker' as const;
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly idleMs = 60_000) {}

  private ensure(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = spawnOpenWorker();
    const failAll = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    worker.on('message', (reply: OpenReply) => this.onReply(reply));
    worker.on('error', (err) => failAll(new OpenWorkerFailedError(`open worker failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) =>
      failAll(new OpenWorkerFailedError(`open worker exited (code ${code})`, { details: { exitCode: code } })),
    );
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private onReply(reply: OpenReply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.idle();
    const slot: UpdateSlot = { ciphertext: new Uint8Array(reply.ct), plaintext: new Uint8Array(reply.pt) };
    if (reply.error !== undefined || reply.result === undefined) {
      p.reject(
        new OpenWorkerFailedError(`open worker: ${reply.error?.message ?? 'empty reply'}`, {
          details: reply.error?.code === undefined ? {} : { code: reply.error.code },
        }),
      );
      return;
    }
    if (!reply.result.ok) {
      p.resolve({ slot, result: reply.result });
      return;
    }
    const view = reply.view!;
    const flat = 'copy' in view ? view.copy : new Float32Array(reply.pt, view.offset, view.length);
    p.resolve({ slot, result: { ...reply.result, flat } });
  }

  private idle(): void {
    this.worker?.unref();
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.close(), this.idleMs);
    this.idleTimer.unref();
  }

  async process(slot: UpdateSlot, update: UpdateToCheck, params: CheckParams): Promise<ProcessedUpdate> {
    // Large updates: hash and signature here (the job's thread), open + decode + validate in the worker (about equal
    // halves). Small ones: everything in the worker.
    if (update.ciphertext.length < SMALL_UPDATE_BYTES) return this.open(slot, update, params, true);
    const rejected = checkAuthenticity(update);
    if (rejected !== null) return { slot, result: rejected };
    return this.open(slot, update, params, false);
  }

  private open(slot: UpdateSlot, update: UpdateToCheck, params: CheckParams, authenticate: boolean): Promise<ProcessedUpdate> {
    // The ciphertext must sit at offset 0 of the slot's own ArrayBuffer to be transferable; copy it there otherwise
    // (a body read without content-length).
    const src = update.ciphertext;
    let ct = slot.ciphertext;
    if (src.buffer !== ct.buffer || src.byteOffset !== 0) {
      if (ct.length < src.length) ct = new Uint8Array(src.length);
      ct.set(src);
    }
    const worker = this.ensure();
    if (this.idleTimer !== null) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    worker.ref();
    const id = this.nextId;
    this.nextId += 1;
    const request: OpenRequest = {
      id,
      ct: ct.buffer as ArrayBuffer,
      ctLength: update.ciphertext.length,
      pt: slot.plaintext.buffer as ArrayBuffer,
      context: update.context,
      params,
      ...(authenticate ? { authenticate: { signature: update.signature, commitment: update.commitment, sha256: update.sha256 } } : {}),
    };
    return new Promise<ProcessedUpdate>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const transfer = request.pt === request.ct ? [request.ct] : [request.ct, request.pt];
      worker.postMessage(request, transfer);
    });
  }

  /** Stops the worker; requests still pending are rejected. */
  async close(): Promise<void> {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) await worker.terminate();
  }
}

let shared: WorkerUpdateProcessor | null = null;

/** The process-wide open worker (one: the fold keeps the other core busy). */
export function sharedOpenWorker(): WorkerUpdateProcessor {
  shared ??= new WorkerUpdateProcessor();
  return shared;
}

/** Terminates the process-wide open worker (startAggregator's close, tests' afterAll); the next job starts a new one. */
export async function closeOpenWorker(): Promise<void> {
  await shared?.close();
}
