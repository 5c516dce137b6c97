import { EnvelopeInvalidOptionsError, EnvelopeSourceFailedError, isCloisterError } from '../errors.js';
import { buildEnvelopeInfo } from './buildEnvelopeInfo.js';
import {
  AEAD_TAG_BYTES,
  CHECK_BYTES,
  CONTEXT_CHECK_LABEL,
  ENVELOPE_LIMITS,
  FRAME_HEADER_BYTES,
  FRAME_MAC_LABEL,
  FRAME_OVERHEAD,
  KEY_CHECK_INFO,
  KEY_CHECK_LABEL,
  encodeFrameHeader,
  encodeHeader,
  frameTag,
} from './format.js';
import { importRecipientPublicKey } from './keys.js';
import { envelopeSuite } from './suite.js';
import type { SealUpdateOptions } from './types.js';

type Chunk = { data: Uint8Array; final: boolean };

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
async function* chunksOf(
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
  // Sealing copies the buffer before encrypting, so it is reused for the next chunk.
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
 * Yields the header, then per chunk its 25-byte frame header and its ciphertext (separate pieces: no concatenation
 * copy). Extra memory is O(chunkSize) whatever the input size; a Node Readable works as `plaintext`.
 */
export async function* sealUpdate(options: SealUpdateOptions): AsyncGenerator<Uint8Array> {
  if (typeof options !== 'object' || options === null)
    throw new EnvelopeInvalidOptionsError('sealUpdate expects options');
  const chunkSize = checkChunkSize(options.chunkSize);
  const info = buildEnvelopeInfo(options.context);
  const recipientPublicKey = await importRecipientPublicKey(options.recipientPublicKey);
  const suite = envelopeSuite();
  const ekm = await suite.kem.generateKeyPair();
  const sender = await suite.createSenderContext({ recipientPublicKey, info, ekm });
  // Same ephemeral key, fixed info: lets the recipient tell "wrong key" from "wrong context" before any chunk.
  const keyChecker = await suite.createSenderContext({ recipientPublicKey, info: KEY_CHECK_INFO, ekm });
  const keyCheck = new Uint8Array(await keyChecker.export(KEY_CHECK_LABEL, CHECK_BYTES));
  const contextCheck = new Uint8Array(await sender.export(CONTEXT_CHECK_LABEL, CHECK_BYTES));
  const macKey = new Uint8Array(await sender.export(FRAME_MAC_LABEL, 32));
  yield encodeHeader({ chunkSize, enc: new Uint8Array(sender.enc), keyCheck, contextCheck });

  let index = 0;
  for await (const chunk of chunksOf(options.plaintext, chunkSize)) {
    if (index > 0xffffffff) throw new EnvelopeInvalidOptionsError('too many chunks: use a larger chunkSize');
    const frame = encodeFrameHeader(index, chunk.final, chunk.data.length + AEAD_TAG_BYTES);
    // A Uint8Array that spans its whole ArrayBuffer goes in as the ArrayBuffer: @hpke/core then skips its own copy.
    const whole = chunk.data.byteOffset === 0 && chunk.data.byteLength === chunk.data.buffer.byteLength;
    const input = whole ? chunk.data.buffer : chunk.data;
    const ciphertext = new Uint8Array(await sender.seal(input, frame.subarray(0, FRAME_HEADER_BYTES)));
    frame.set(frameTag(macKey, frame, ciphertext), FRAME_HEADER_BYTES);
    yield frame;
    yield ciphertext;
    index++;
  }
}

/** Size of the sealed stream for a plaintext of `length` bytes. */
export function sealedSize(length: number, chunkSize: number = ENVELOPE_LIMITS.defaultChunkSize): number {
  const chunks = Math.max(1, Math.ceil(length / chunkSize));
  return 20 + 32 + 3 * CHECK_BYTES + length + chunks * (FRAME_OVERHEAD + AEAD_TAG_BYTES);
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
