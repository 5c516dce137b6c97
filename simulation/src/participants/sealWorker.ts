// Worker-thread entry of the seal pool (sealPool.ts): HPKE-seals one participant's encoded update (or generates a
// synthetic one from its recipe first) and hashes the ciphertext (its commitment). The plaintext comes in by transfer
// and the ciphertext goes back by transfer.
import { parentPort } from 'node:worker_threads';
import { sealUpdateToBytes, sha256Hex } from '@cloister/protocol';
import { plaintextOf, type SealReply, type SealRequest } from './sealPool';

if (parentPort !== null) {
  const port = parentPort;
  port.on('message', (request: SealRequest) => {
    void (async () => {
      try {
        const plaintext = plaintextOf(request.plaintext);
        const ciphertext = await sealUpdateToBytes({ recipientPublicKey: request.recipientPublicKey, context: request.context, plaintext });
        const reply: SealReply = { id: request.id, ciphertext, ciphertextHash: sha256Hex(ciphertext) };
        port.postMessage(reply, [ciphertext.buffer as ArrayBuffer]);
      } catch (error) {
        port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies SealReply);
      }
    })();
  });
}
