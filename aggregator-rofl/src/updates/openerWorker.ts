// Worker-thread entry of the opener pool (see openerPool.ts): all five checks of one update at a time (hash unless
// the download already computed it, signature, HPKE open in place, decode, validate), the slot's buffer transferred
// in and back out (never copied), then a scavenge for the update's garbage; and the folds of a linear aggregate.
import { parentPort } from 'node:worker_threads';
import { checkUpdate, noChecks } from './checks';
import { abortFolds, foldInOrder } from './orderedFold';
import type { CheckReply, CheckRequest, FoldReply, FoldRequest } from './openerPool';
import { collectYoungGarbage } from './youngGarbage';

async function handle(request: CheckRequest): Promise<{ reply: CheckReply; transfer: ArrayBuffer[] }> {
  const ct = request.ct;
  const transfer: ArrayBuffer[] = [ct];
  const checks = noChecks();
  try {
    const ciphertext = new Uint8Array(ct, 0, request.ctLength);
    // Opened in place: the plaintext is written over the ciphertext (hashed and authenticated before).
    const result = await checkUpdate({ ...request.update, ciphertext }, request.params, new Uint8Array(ct), checks);
    if (!result.ok) return { reply: { kind: 'check', id: request.id, ct, checks, result }, transfer };
    const { flat, sketch, numExamples, metrics, norm } = result;
    transfer.push(sketch.buffer as ArrayBuffer);
    let view: CheckReply['view'];
    if (flat.buffer === ct) {
      view = { offset: flat.byteOffset, length: flat.length };
    } else {
      // Not contiguous in the plaintext: `flat` is its own copy; hand it over too.
      transfer.push(flat.buffer as ArrayBuffer);
      view = { copy: flat };
    }
    return { reply: { kind: 'check', id: request.id, ct, checks, result: { ok: true, numExamples, metrics, norm, sketch }, view }, transfer };
  } catch (error) {
    return { reply: { kind: 'check', id: request.id, ct, checks, error: error instanceof Error ? error.message : String(error) }, transfer };
  }
}

/** Folds one update (may wait, blocking this thread, until the rank before it has left each stripe). */
function fold(request: FoldRequest): FoldReply {
  try {
    foldInOrder(request.target, request.rank, new Float32Array(request.buffer, request.offset, request.length), request.weight);
    return { kind: 'fold', id: request.id, buffer: request.buffer };
  } catch (error) {
    // Nothing after this rank can be folded in order any more: release the threads waiting for it.
    abortFolds(request.target);
    return { kind: 'fold', id: request.id, buffer: request.buffer, error: error instanceof Error ? error.message : String(error) };
  }
}

if (parentPort !== null) {
  const port = parentPort;
  const checks: CheckRequest[] = [];
  const folds: FoldRequest[] = [];
  let running = false;
  // One request at a time (a thread is one core), folds first: another thread may be waiting for this one's fold
  // (its next rank), while a queued check only delays its own update.
  const drain = async () => {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const next = folds.shift();
        if (next !== undefined) {
          port.postMessage(fold(next), [next.buffer]);
          continue;
        }
        const check = checks.shift();
        if (check === undefined) break;
        const { reply, transfer } = await handle(check);
        port.postMessage(reply, transfer);
        collectYoungGarbage();
      }
    } finally {
      running = false;
    }
  };
  port.on('message', (request: CheckRequest | FoldRequest) => {
    if (request.kind === 'fold') folds.push(request);
    else checks.push(request);
    void drain();
  });
}
