// Worker-thread entry of the open worker (see updateProcessor.ts): HPKE open + decode + validate of one update at a
// time (hash and signature too for small updates; large ones are checked in the job's thread before), the buffers transferred in and back out (never copied). The fold stays in the
// job's thread.
import { parentPort } from 'node:worker_threads';
import { isCloisterError } from '@cloister/protocol';
import { checkAuthenticity, openAndValidate } from './checkUpdate';
import type { OpenRequest, OpenReply } from './updateProcessor';

async function handle(request: OpenRequest): Promise<{ reply: OpenReply; transfer: ArrayBuffer[] }> {
  let pt = request.pt;
  if (pt.byteLength < request.ctLength) pt = new ArrayBuffer(request.ctLength);
  const ct = request.ct;
  const transfer: ArrayBuffer[] = [ct, pt];
  try {
    const ciphertext = new Uint8Array(ct, 0, request.ctLength);
    const auth = request.authenticate;
    const rejected = auth === undefined ? null : checkAuthenticity({ ciphertext, ...auth, context: request.context });
    const result = rejected ?? (await openAndValidate(ciphertext, request.context, request.params, new Uint8Array(pt)));
    if (!result.ok) return { reply: { id: request.id, ct, pt, result }, transfer };
    const { flat, sketch, numExamples, metrics, norm } = result;
    transfer.push(sketch.buffer as ArrayBuffer);
    let view: OpenReply['view'];
    if (flat.buffer === pt) {
      view = { offset: flat.byteOffset, length: flat.length };
    } else {
      // Not contiguous in the plaintext: `flat` is its own copy; hand it over too.
      transfer.push(flat.buffer as ArrayBuffer);
      view = { copy: flat };
    }
    return { reply: { id: request.id, ct, pt, result: { ok: true, numExamples, metrics, norm, sketch }, view }, transfer };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reported = isCloisterError(error) ? { message, code: error.code } : { message };
    return { reply: { id: request.id, ct, pt, error: reported }, transfer };
  }
}

if (parentPort !== null) {
  const port = parentPort;
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: OpenRequest) => {
    // One update at a time: the worker is one core; queued requests wait with their buffers.
    queue = queue.then(async () => {
      const { reply, transfer } = await handle(request);
      port.postMessage(reply, transfer);
    });
  });
}
