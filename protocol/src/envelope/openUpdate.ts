import { timingSafeEqual } from 'node:crypto';
import {
  EnvelopeInvalidKeyError,
  EnvelopeInvalidOptionsError,
  EnvelopeReorderedError,
  EnvelopeTamperedError,
  EnvelopeTrailingDataError,
  EnvelopeTruncatedError,
  EnvelopeWrongContextError,
  EnvelopeWrongKeyError,
} from '../errors.js';
import { buildEnvelopeInfo } from './buildEnvelopeInfo.js';
import {
  AEAD_TAG_BYTES,
  ByteReader,
  FLAG_FINAL,
  FRAME_HEADER_BYTES,
  FRAME_OVERHEAD,
  STREAM_LABEL,
  readHeader,
} from './format.js';
import { concatPieces } from './sealUpdate.js';
import { ChunkAead, keyCheckOf } from './stream.js';
import { envelopeSuite } from './suite.js';
import type { OpenUpdateOptions, OpenUpdateToBytesOptions } from './types.js';

/** Reads the header and runs HPKE once: "wrong key" and "wrong context" are told apart before any chunk. */
async function openHeader(
  options: OpenUpdateOptions,
  reader: ByteReader,
): Promise<{ aead: ChunkAead; chunkSize: number }> {
  const info = buildEnvelopeInfo(options.context);
  const privateKey = options.recipientKeyPair?.privateKey;
  if (typeof privateKey !== 'object' || privateKey === null) {
    throw new EnvelopeInvalidKeyError('recipientKeyPair.privateKey must be a CryptoKey');
  }
  const header = await readHeader(reader);
  const suite = envelopeSuite();
  const [sharedSecret, recipient] = await Promise.allSettled([
    suite.kem.decap({ recipientKey: privateKey, enc: header.enc }),
    suite.createRecipientContext({ recipientKey: privateKey, enc: header.enc, info }),
  ]);
  if (sharedSecret.status === 'rejected' || recipient.status === 'rejected') {
    const cause =
      sharedSecret.status === 'rejected' ? sharedSecret.reason : (recipient as PromiseRejectedResult).reason;
    throw new EnvelopeWrongKeyError('cannot decapsulate the envelope key with this private key', { cause });
  }
  if (!timingSafeEqual(keyCheckOf(new Uint8Array(sharedSecret.value)), header.keyCheck)) {
    throw new EnvelopeWrongKeyError('the envelope was sealed to a different recipient key');
  }
  const aead = new ChunkAead(new Uint8Array(await recipient.value.export(STREAM_LABEL, 32)));
  if (!timingSafeEqual(aead.contextCheck, header.contextCheck)) {
    throw new EnvelopeWrongContextError(
      'the envelope was sealed for another chain, contract, task, round or participant than the one given',
    );
  }
  return { aead, chunkSize: header.chunkSize };
}

/** Authenticated plaintext chunks in order; ends after the final chunk and checks nothing trails it. */
export async function* chunks(reader: ByteReader, aead: ChunkAead, chunkSize: number): AsyncGenerator<Buffer> {
  for (let index = 0; ; index++) {
    const frame = await reader.read(FRAME_HEADER_BYTES);
    if (frame.length === 0) {
      throw new EnvelopeTruncatedError(`envelope ends after chunk ${index - 1} without a final chunk`, {
        details: { where: 'frame', index },
      });
    }
    if (frame.length < FRAME_HEADER_BYTES) {
      throw new EnvelopeTruncatedError(`envelope ends inside frame ${index}`, {
        details: { where: 'frame', index },
      });
    }
    const frameIndex =
      (((frame[0] as number) << 24) |
        ((frame[1] as number) << 16) |
        ((frame[2] as number) << 8) |
        (frame[3] as number)) >>>
      0;
    const flags = frame[4] as number;
    const length =
      (((frame[5] as number) << 24) |
        ((frame[6] as number) << 16) |
        ((frame[7] as number) << 8) |
        (frame[8] as number)) >>>
      0;
    if (length > chunkSize) {
      throw new EnvelopeTamperedError(
        `frame ${index}: chunk length ${length} exceeds the chunk size ${chunkSize}`,
        {
          details: { where: 'frame', index, length },
        },
      );
    }
    const ciphertext = await reader.read(length + AEAD_TAG_BYTES);
    if (ciphertext.length < length + AEAD_TAG_BYTES) {
      throw new EnvelopeTruncatedError(`envelope ends inside chunk ${index}`, {
        details: { where: 'chunk', index },
      });
    }
    if (frameIndex !== index) {
      // Authentic under its own index: a genuine chunk in the wrong place. Otherwise the frame was modified.
      if (aead.open(frame, frameIndex, ciphertext) !== null) {
        throw new EnvelopeReorderedError(
          `chunk ${frameIndex} arrived at position ${index} (reordered, dropped or duplicated)`,
          { details: { expected: index, found: frameIndex } },
        );
      }
      throw new EnvelopeTamperedError(`frame ${index}: header or tag was modified`, {
        details: { where: 'frame', index },
      });
    }
    const final = (flags & FLAG_FINAL) !== 0;
    if (flags & ~FLAG_FINAL || (!final && length !== chunkSize)) {
      throw new EnvelopeTamperedError(`frame ${index}: invalid flags or short non-final chunk`, {
        details: { where: 'frame', index },
      });
    }
    const plaintext = aead.open(frame, index, ciphertext);
    if (plaintext === null) {
      throw new EnvelopeTamperedError(`chunk ${index} failed authentication (modified frame or ciphertext)`, {
        details: { where: 'chunk', index },
      });
    }
    yield plaintext;
    if (final) break;
  }
  if (!(await reader.atEnd())) {
    throw new EnvelopeTrailingDataError('bytes follow the final chunk of the envelope');
  }
}

/**
 * Opens a sealed stream chunk by chunk, yielding plaintext as each chunk authenticates. Every failure is a typed error:
 * wrong key, wrong context, tampered, truncated, reordered, trailing data, malformed or oversized header. The output
 * is only complete and trustworthy once the generator finishes without throwing (the final chunk closes the stream).
 */
export async function* openUpdate(options: OpenUpdateOptions): AsyncGenerator<Uint8Array> {
  if (typeof options !== 'object' || options === null)
    throw new EnvelopeInvalidOptionsError('openUpdate expects options');
  const reader = new ByteReader(options.ciphertext);
  try {
    const { aead, chunkSize } = await openHeader(options, reader);
    yield* chunks(reader, aead, chunkSize);
  } finally {
    await reader.close();
  }
}

/**
 * openUpdate collected into one Uint8Array. With `output` the plaintext is written there and a view of it is
 * returned (a buffer at least as long as the ciphertext always fits; reuse it across updates). `output` may be the
 * ciphertext's own memory (open in place): plaintext chunk i lands at i × chunkSize, before the frame it came from,
 * over bytes already read; the ciphertext is then gone, so hash it first. A Uint8Array
 * ciphertext without `output` is opened into one allocation sized from the ciphertext: no concatenation.
 */
export async function openUpdateToBytes(options: OpenUpdateToBytesOptions): Promise<Uint8Array> {
  if (typeof options !== 'object' || options === null)
    throw new EnvelopeInvalidOptionsError('openUpdateToBytes expects options');
  let output = options.output;
  if (output !== undefined && !(output instanceof Uint8Array)) {
    throw new EnvelopeInvalidOptionsError('output must be a Uint8Array');
  }
  if (output === undefined && !(options.ciphertext instanceof Uint8Array)) {
    return concatPieces(openUpdate(options));
  }
  const reader = new ByteReader(options.ciphertext);
  try {
    const { aead, chunkSize } = await openHeader(options, reader);
    // The plaintext is shorter than what is left of the ciphertext by at least one frame's overhead.
    output ??= new Uint8Array(Math.max(0, (options.ciphertext as Uint8Array).length - FRAME_OVERHEAD));
    let filled = 0;
    for await (const plaintext of chunks(reader, aead, chunkSize)) {
      if (filled + plaintext.length > output.length) {
        throw new EnvelopeInvalidOptionsError(
          `output (${output.length} bytes) is too small for the plaintext: pass a buffer as long as the ciphertext`,
          { details: { outputLength: output.length } },
        );
      }
      output.set(plaintext, filled);
      filled += plaintext.length;
    }
    return output.subarray(0, filled);
  } finally {
    await reader.close();
  }
}
