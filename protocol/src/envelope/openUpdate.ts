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
  CHECK_BYTES,
  CONTEXT_CHECK_LABEL,
  FLAG_FINAL,
  FRAME_HEADER_BYTES,
  FRAME_MAC_LABEL,
  FRAME_OVERHEAD,
  KEY_CHECK_INFO,
  KEY_CHECK_LABEL,
  frameTag,
  readHeader,
} from './format.js';
import { concatPieces } from './sealUpdate.js';
import { envelopeSuite } from './suite.js';
import type { OpenUpdateOptions } from './types.js';

/**
 * Opens a sealed stream chunk by chunk, yielding plaintext as each chunk authenticates. Every failure is a typed error:
 * wrong key, wrong context, tampered, truncated, reordered, trailing data, malformed or oversized header. The output
 * is only complete and trustworthy once the generator finishes without throwing (the final chunk closes the stream).
 */
export async function* openUpdate(options: OpenUpdateOptions): AsyncGenerator<Uint8Array> {
  if (typeof options !== 'object' || options === null)
    throw new EnvelopeInvalidOptionsError('openUpdate expects options');
  const info = buildEnvelopeInfo(options.context);
  const privateKey = options.recipientKeyPair?.privateKey;
  if (typeof privateKey !== 'object' || privateKey === null) {
    throw new EnvelopeInvalidKeyError('recipientKeyPair.privateKey must be a CryptoKey');
  }
  const reader = new ByteReader(options.ciphertext);
  try {
    const header = await readHeader(reader);
    const suite = envelopeSuite();
    let keyCheck: Uint8Array;
    try {
      const checker = await suite.createRecipientContext({
        recipientKey: privateKey,
        enc: header.enc,
        info: KEY_CHECK_INFO,
      });
      keyCheck = new Uint8Array(await checker.export(KEY_CHECK_LABEL, CHECK_BYTES));
    } catch (cause) {
      throw new EnvelopeWrongKeyError('cannot decapsulate the envelope key with this private key', { cause });
    }
    if (!timingSafeEqual(keyCheck, header.keyCheck)) {
      throw new EnvelopeWrongKeyError('the envelope was sealed to a different recipient key');
    }
    const recipient = await suite.createRecipientContext({ recipientKey: privateKey, enc: header.enc, info });
    const contextCheck = new Uint8Array(await recipient.export(CONTEXT_CHECK_LABEL, CHECK_BYTES));
    if (!timingSafeEqual(contextCheck, header.contextCheck)) {
      throw new EnvelopeWrongContextError(
        'the envelope was sealed for another chain, contract, task, round or participant than the one given',
      );
    }
    const macKey = new Uint8Array(await recipient.export(FRAME_MAC_LABEL, 32));
    const maxCiphertext = header.chunkSize + AEAD_TAG_BYTES;

    for (let index = 0; ; index++) {
      const frame = await reader.read(FRAME_OVERHEAD);
      if (frame.length === 0) {
        throw new EnvelopeTruncatedError(`envelope ends after chunk ${index - 1} without a final chunk`, {
          details: { where: 'frame', index },
        });
      }
      if (frame.length < FRAME_OVERHEAD) {
        throw new EnvelopeTruncatedError(`envelope ends inside frame ${index}`, {
          details: { where: 'frame', index },
        });
      }
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      const frameIndex = view.getUint32(0);
      const flags = frame[4] as number;
      const ciphertextLength = view.getUint32(5);
      if (ciphertextLength < AEAD_TAG_BYTES || ciphertextLength > maxCiphertext) {
        throw new EnvelopeTamperedError(
          `frame ${index}: ciphertext length ${ciphertextLength} is outside [16, ${maxCiphertext}]`,
          {
            details: { where: 'frame', index, ciphertextLength },
          },
        );
      }
      const ciphertext = await reader.read(ciphertextLength);
      if (ciphertext.length < ciphertextLength) {
        throw new EnvelopeTruncatedError(`envelope ends inside chunk ${index}`, {
          details: { where: 'chunk', index },
        });
      }
      if (
        !timingSafeEqual(
          frameTag(macKey, frame, ciphertext),
          frame.subarray(FRAME_HEADER_BYTES, FRAME_OVERHEAD),
        )
      ) {
        throw new EnvelopeTamperedError(`frame ${index}: header or tag was modified`, {
          details: { where: 'frame', index },
        });
      }
      // The frame tag is authentic, so a different index is a genuine chunk in the wrong place.
      if (frameIndex !== index) {
        throw new EnvelopeReorderedError(
          `chunk ${frameIndex} arrived at position ${index} (reordered, dropped or duplicated)`,
          {
            details: { expected: index, found: frameIndex },
          },
        );
      }
      const final = (flags & FLAG_FINAL) !== 0;
      if (flags & ~FLAG_FINAL || (!final && ciphertextLength !== maxCiphertext)) {
        throw new EnvelopeTamperedError(`frame ${index}: invalid flags or short non-final chunk`, {
          details: { where: 'frame', index },
        });
      }
      let plaintext: ArrayBuffer;
      try {
        plaintext = await recipient.open(ciphertext, frame.subarray(0, FRAME_HEADER_BYTES));
      } catch (cause) {
        throw new EnvelopeTamperedError(`chunk ${index} failed authentication (modified ciphertext)`, {
          details: { where: 'chunk', index },
          cause,
        });
      }
      yield new Uint8Array(plaintext);
      if (final) break;
    }
    if (!(await reader.atEnd())) {
      throw new EnvelopeTrailingDataError('bytes follow the final chunk of the envelope');
    }
  } finally {
    await reader.close();
  }
}

/** openUpdate collected into one Uint8Array. */
export async function openUpdateToBytes(options: OpenUpdateOptions): Promise<Uint8Array> {
  return concatPieces(openUpdate(options));
}
