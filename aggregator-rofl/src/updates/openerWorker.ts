// Worker-thread entry of the opener pool (see openerPool.ts): all five checks of one update at a time (hash unless
// the download already computed it, signature, HPKE open, decode, validate), the buffers transferred in and back out
// (never copied). The fold stays in the job's thread.
import { parentPort } from 'node:worker_threads';
import { checkUpdate, noChecks } from './checks';
import type { CheckReply, CheckRequest } from './openerPool';

async function handle(request: CheckRequest): Promise<{ reply: CheckReply; transfer: ArrayBuffer[] }> {
  let pt = request.pt;
  if (pt.byteLength < request.ctLength) pt = new ArrayBuffer(request.ctLength);
  const ct = request.ct;
  const transfer: ArrayBuffer[] = [ct, pt];
  const checks = noChecks();
  try {
    const ciphertext = new Uint8Array(ct, 0, request.ctLength);
    const result = await checkUpdate({ ...request.update, ciphertext }, request.params, new Uint8Array(pt), checks);
    if (!result.ok) return { reply: { id: request.id, ct, pt, checks, result }, transfer };
    const { flat, sketch, numExamples, metrics, norm } = result;
    transfer.push(sketch.buffer as ArrayBuffer);
    let view: CheckReply['view'];
    if (flat.buffer === pt) {
      view = { offset: flat.byteOffset, length: flat.length };
    } else {
      // Not contiguous in the plaintext: `flat` is its own copy; hand it over too.
      transfer.push(flat.buffer as ArrayBuffer);
      view = { copy: flat };
    }
    return { reply: { id: request.id, ct, pt, checks, result: { ok: true, numExamples, metrics, norm, sketch }, view }, transfer };
  } catch (error) {
    return { reply: { id: request.id, ct, pt, checks, error: error instanceof Error ? error.message : String(error) }, transfer };
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
    });
  });
}
