import { EnvelopeInvalidOptionsError, EnvelopeSourceFailedError, isCloisterError } from '../errors.js';
import { buildEnvelopeInfo } from './buildEnvelopeInfo.js';
import {
  CHECK_BYTES,
  ENVELOPE_LIMITS,
  FRAME_OVERHEAD,
  STREAM_LABEL,
  encodeFrameHeader,
  encodeHeader,
} from './format.js';
import { importRecipientPublicKey } from './keys.js';
import { envelopeSuite } from './suite.js';
import { ChunkAead, keyCheckOf } from './stream.js';
import type { SealUpdateOptions } from './types.js';

type Chunk = { data: Uint8Array; final: boolean };

const SEAL_SLICE = 256 * 1024;
const SEAL_TAIL = 4096;

function checkChunkSize(chunkSize: unknown): number {
  const size = chunkSize ?? ENVELOPE_LIMITS.defaultChunkSize;
  if (
    typeof size !== 'number' ||
    !Number.isInteger(size) ||
    size < ENVELOPE_LIMITS.minChunkSize ||
    size > ENVELOPE_LIMITS.maxChunkSize
  ) {
    throw new EnvelopeInvalidOptionsError(
      `chunkSize must be an integer in [${ENVELOPE_LIMITS.minChunkSize}, ${ENVELOPE_LIMITS.maxChunkSize}]`,
      { details: { chunkSize: String(chunkSize) } },
    );
  }
  return size;
}

/** Splits the plaintext into chunkSize pieces, marking the last (an empty input is one empty final chunk). */
export async function* chunksOf(
  plaintext: Uint8Array | AsyncIterable<Uint8Array>,
  chunkSize: number,
): AsyncGenerator<Chunk> {
  if (plaintext instanceof Uint8Array) {
    let offset = 0;
    do {
      const end = Math.min(offset + chunkSize, plaintext.length);
      yield { data: plaintext.subarray(offset, end), final: end === plaintext.length };
      offset = end;
    } while (offset < plaintext.length);
    return;
  }
  if (plaintext === null || typeof plaintext !== 'object' || !(Symbol.asyncIterator in plaintext)) {
    throw new EnvelopeInvalidOptionsError('plaintext must be a Uint8Array or an AsyncIterable<Uint8Array>');
  }
  // One buffer of chunkSize: a full chunk waits until more input shows it is not the last.
  // Sealing is synchronous and writes a fresh ciphertext, so the buffer is reused for the next chunk.
  const buffer = new Uint8Array(chunkSize);
  let filled = 0;
  try {
    for await (const piece of plaintext as AsyncIterable<unknown>) {
      if (!(piece instanceof Uint8Array)) {
        throw new EnvelopeSourceFailedError(
          'the plaintext stream yielded something other than bytes (use a binary stream)',
        );
      }
      let offset = 0;
      while (offset < piece.length) {
        if (filled === chunkSize) {
          yield { data: buffer, final: false };
          filled = 0;
        }
        const take = Math.min(chunkSize - filled, piece.length - offset);
        buffer.set(piece.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
      }
    }
  } catch (cause) {
    if (isCloisterError(cause)) throw cause;
    throw new EnvelopeSourceFailedError('the plaintext stream failed', { cause });
  }
  yield { data: buffer.subarray(0, filled), final: true };
}

/**
 * Seals an encoded update to the aggregator's key as a chunked HPKE stream (protocol/README.md, "Envelope stream").
 * Yields the header, then per chunk its 9-byte frame header, its ciphertext in pieces of up to 256 KiB, and a last piece
 * of at most 4 KiB of ciphertext plus the 16-byte GCM tag. Extra memory is O(chunkSize) whatever the input size; a Node Readable works as `plaintext`.
 */
export async function* sealUpdate(options: SealUpdateOptions): AsyncGenerator<Uint8Array> {
  if (typeof options !== 'object' || options === null)
    throw new EnvelopeInvalidOptionsError('sealUpdate expects options');
  const chunkSize = checkChunkSize(options.chunkSize);
  const info = buildEnvelopeInfo(options.context);
  const recipientPublicKey = await importRecipientPublicKey(options.recipientPublicKey);
  const suite = envelopeSuite();
  const ekm = await suite.kem.generateKeyPair();
  // HPKE once per envelope: the KEM shared secret (for the key check) and the context (for the stream secret).
  const [encapsulated, sender] = await Promise.all([
    suite.kem.encap({ recipientPublicKey, ekm }),
    suite.createSenderContext({ recipientPublicKey, info, ekm }),
  ]);
  const aead = new ChunkAead(new Uint8Array(await sender.export(STREAM_LABEL, 32)));
  const keyCheck = keyCheckOf(new Uint8Array(encapsulated.sharedSecret));
  yield encodeHeader({
    chunkSize,
    enc: new Uint8Array(sender.enc),
    keyCheck,
    contextCheck: aead.contextCheck,
  });

  let index = 0;
  for await (const chunk of chunksOf(options.plaintext, chunkSize)) {
    if (index > 0xffffffff) throw new EnvelopeInvalidOptionsError('too many chunks: use a larger chunkSize');
    const data = chunk.data;
    const frame = encodeFrameHeader(index, chunk.final, data.length);
    const cipher = aead.cipher(frame, index);
    yield frame;
    // The ciphertext leaves in SEAL_SLICE pieces as it is produced (little beyond the chunk is ever held); the last
    // few bytes travel with the tag in one small piece. Synchronous, so the chunk buffer can be refilled afterwards.
    const tailAt = Math.max(0, data.length - SEAL_TAIL);
    for (let offset = 0; offset < tailAt; offset += SEAL_SLICE) {
      yield cipher.update(data.subarray(offset, Math.min(offset + SEAL_SLICE, tailAt)));
    }
    const tail = cipher.update(data.subarray(tailAt));
    cipher.final();
    yield Buffer.concat([tail, cipher.getAuthTag()]);
    index++;
  }
}

/** Size of the sealed stream for a plaintext of `length` bytes. */
export function sealedSize(length: number, chunkSize: number = ENVELOPE_LIMITS.defaultChunkSize): number {
  const chunks = Math.max(1, Math.ceil(length / chunkSize));
  return 20 + 32 + 3 * CHECK_BYTES + length + chunks * FRAME_OVERHEAD;
}

/** sealUpdate collected into one Uint8Array (preallocated when the plaintext is a Uint8Array). */
export async function sealUpdateToBytes(options: SealUpdateOptions): Promise<Uint8Array> {
  if (options?.plaintext instanceof Uint8Array) {
    const out = new Uint8Array(sealedSize(options.plaintext.length, checkChunkSize(options.chunkSize)));
    let p = 0;
    for await (const piece of sealUpdate(options)) {
      out.set(piece, p);
      p += piece.length;
    }
    return out;
  }
  return concatPieces(sealUpdate(options));
}

export async function concatPieces(pieces: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const piece of pieces) {
    parts.push(piece);
    total += piece.length;
  }
  const out = new Uint8Array(total);
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}
