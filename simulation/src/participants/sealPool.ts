// Where the simulated participants seal their updates. Real participants are separate machines that seal at the same
// time; the simulation runs them all in one process, so sealing (HPKE + sha256 of each ciphertext, ≈ 5 ms per 4 MB
// update) is spread over worker threads, one per core, instead of queueing on the thread that also runs the
// coordinator and the aggregator. `threads: 0` seals in this thread. The signature stays with the participant's
// wallet, in this thread.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { typescriptWorker } from '@cloister/devstack';
import { encodeUpdate, sealUpdateToBytes, sha256Hex, type EnvelopeContext } from '@cloister/protocol';
import { SealFailedError } from '../errors';
import { syntheticUpdate, type SyntheticRecipe } from './syntheticUpdate';

/** @internal What a seal worker receives: the encoded update, or the recipe of a synthetic one to generate there. */
export type SealRequest = { id: number; plaintext: ArrayBuffer | SyntheticRecipe; recipientPublicKey: Uint8Array; context: EnvelopeContext };

/** The bytes as a whole ArrayBuffer that can be transferred: the view's own when it spans it, else one copy. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  return whole.buffer as ArrayBuffer;
}

/** The encoded update of a seal request: given, or generated from its recipe (in the thread that seals it). */
export function plaintextOf(input: ArrayBuffer | Uint8Array | SyntheticRecipe): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  return encodeUpdate(syntheticUpdate(input));
}
/** @internal What it answers. */
export type SealReply = { id: number; ciphertext?: Uint8Array; ciphertextHash?: string; error?: string };

export type SealedUpdate = { ciphertext: Uint8Array; ciphertextHash: string };

/** The compiled worker next to this file (dist/), else the TypeScript entry through tsx (tests, benches). */
function spawnSealWorker(): Worker {
  const compiled = join(__dirname, 'sealWorker.js');
  if (__filename.endsWith('.js') && existsSync(compiled)) return new Worker(compiled);
  return typescriptWorker(join(__dirname, 'sealWorker.ts'));
}

export class SealPool {
  readonly threads: number;
  private readonly workers: { worker: Worker; pending: Map<number, (reply: SealReply) => void> }[] = [];
  private nextId = 1;

  constructor(threads = availableParallelism()) {
    this.threads = Math.max(0, Math.floor(threads));
  }

  /**
   * Seals an encoded update (taken over: its buffer is transferred when it owns it), or a synthetic one generated from
   * its recipe in the sealing thread, for `context`; returns the ciphertext and its sha256.
   */
  async seal(update: Uint8Array | SyntheticRecipe, recipientPublicKey: Uint8Array, context: EnvelopeContext): Promise<SealedUpdate> {
    if (this.threads === 0) {
      const ciphertext = await sealUpdateToBytes({ recipientPublicKey, context, plaintext: plaintextOf(update) });
      return { ciphertext, ciphertextHash: sha256Hex(ciphertext) };
    }
    const slot = this.leastBusy();
    // A recipe is a few numbers; bytes travel by transfer.
    const plaintext = update instanceof Uint8Array ? ownBuffer(update) : update;
    const id = this.nextId;
    this.nextId += 1;
    const reply = await new Promise<SealReply>((resolve) => {
      slot.pending.set(id, resolve);
      slot.worker.ref();
      const request: SealRequest = { id, plaintext, recipientPublicKey, context };
      slot.worker.postMessage(request, plaintext instanceof ArrayBuffer ? [plaintext] : []);
    });
    if (reply.error !== undefined || reply.ciphertext === undefined || reply.ciphertextHash === undefined) {
      throw new SealFailedError(`a seal worker failed: ${reply.error ?? 'empty reply'}`);
    }
    return { ciphertext: reply.ciphertext, ciphertextHash: reply.ciphertextHash };
  }

  private leastBusy(): { worker: Worker; pending: Map<number, (reply: SealReply) => void> } {
    if (this.workers.length < this.threads) {
      const worker = spawnSealWorker();
      const slot = { worker, pending: new Map<number, (reply: SealReply) => void>() };
      worker.on('message', (reply: SealReply) => {
        const resolve = slot.pending.get(reply.id);
        slot.pending.delete(reply.id);
        if (slot.pending.size === 0) worker.unref();
        resolve?.(reply);
      });
      const failAll = (error: string) => {
        for (const [id, resolve] of slot.pending) resolve({ id, error });
        slot.pending.clear();
      };
      worker.on('error', (err) => failAll(err.message));
      worker.on('exit', (code) => {
        // A dead thread takes no more work: the next request starts a new one.
        const at = this.workers.indexOf(slot);
        if (at >= 0) this.workers.splice(at, 1);
        failAll(`seal worker exited (code ${code})`);
      });
      this.workers.push(slot);
      return slot;
    }
    return this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}
