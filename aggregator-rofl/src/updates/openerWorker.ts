// Worker-thread entry of the opener pool (see openerPool.ts): all five checks of one update at a time (hash unless
// the download already computed it, signature, HPKE open in place, decode, validate), the slot's buffer transferred
// in and back out (never copied), then a scavenge for the update's garbage. The fold stays in the job's thread.
import { parentPort } from 'node:worker_threads';
import { checkUpdate, noChecks } from './checks';
import type { CheckReply, CheckRequest } from './openerPool';
import { collectYoungGarbage } from './youngGarbage';

async function handle(request: CheckRequest): Promise<{ reply: CheckReply; transfer: ArrayBuffer[] }> {
  const ct = request.ct;
  const transfer: ArrayBuffer[] = [ct];
  const checks = noChecks();
  try {
    const ciphertext = new Uint8Array(ct, 0, request.ctLength);
    // Opened in place: the plaintext is written over the ciphertext (hashed and authenticated before).
    const result = await checkUpdate({ ...request.update, ciphertext }, request.params, new Uint8Array(ct), checks);
    if (!result.ok) return { reply: { id: request.id, ct, checks, result }, transfer };
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
    return { reply: { id: request.id, ct, checks, result: { ok: true, numExamples, metrics, norm, sketch }, view }, transfer };
  } catch (error) {
    return { reply: { id: request.id, ct, checks, error: error instanceof Error ? error.message : String(error) }, transfer };
  }
}

if (parentPort !== null) {
  const port = parentPort;
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: CheckRequest) => {
    // One update at a time: a thread is one core; queued requests wait with their buffers.
    queue = queue.then(async () => {
      const { reply, transfer } = await handle(request);
      port.postMessage(reply, transfer);
      collectYoungGarbage();
    });
  });
}
