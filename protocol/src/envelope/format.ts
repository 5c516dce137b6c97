// The sealed stream's byte layout, version 2 (see protocol/README.md, "Envelope stream"). All integers big-endian.
//
// Header (100 bytes for X25519):
//   0   4  magic "CLSE"          4  1  version = 2            5  1  reserved = 0
//   6   2  header length (u16)   8  2  KEM id (0x0020)       10  2  KDF id (0x0001)     12  2  AEAD id (0x0002)
//   14  4  chunk size (u32)      18  2  enc length (u16)     20  n  enc (HPKE encapsulated key, 32 bytes)
//   +0 16  key check     = HMAC-SHA256(KEM shared secret, "cloister/envelope/v2 key-check")[0..16]
//   +16 16 context check = HMAC-SHA256(S, "cloister/envelope/v2 context-check")[0..16]
//   +32 16 header digest = SHA-256(all preceding header bytes)[0..16]
//   where S = Export(ctx(info), "cloister/envelope/v2 stream", 32) is the stream secret.
// Frame i (one per chunk, at least one, the last one flagged final):
//   0  4  index (u32)  4  1  flags (bit 0 = final, others 0)  5  4  plaintext length n (u32)
//   9  n  AES-256-GCM ciphertext; key = HMAC(S, "key"), nonce = HMAC(S, "nonce")[0..12] XOR I2OSP(i, 12),
//         AAD = bytes 0..9 (STREAM construction: index and final flag are authenticated)
//   9+n 16 GCM tag (last, so a sealer can stream the ciphertext out before the tag is known)
import { createHash, timingSafeEqual } from 'node:crypto';
import { sameBytes } from '../codec/binaryFormat.js';
import {
  EnvelopeHeaderInvalidError,
  EnvelopeHeaderOversizedError,
  EnvelopeSourceFailedError,
  EnvelopeTamperedError,
  EnvelopeTruncatedError,
  isCloisterError,
} from '../errors.js';
import { ENVELOPE_PROTOCOL_VERSION } from './buildEnvelopeInfo.js';
import { ENVELOPE_SUITE } from './suite.js';

const utf8 = new TextEncoder();
export const ENVELOPE_MAGIC = Uint8Array.of(0x43, 0x4c, 0x53, 0x45); // "CLSE"
export const ENVELOPE_LIMITS = {
  defaultChunkSize: 1024 * 1024,
  minChunkSize: 16,
  maxChunkSize: 64 * 1024 * 1024,
  maxHeaderBytes: 512,
} as const;
export const HEADER_PREFIX_BYTES = 8;
export const HEADER_FIXED_BYTES = 20;
export const CHECK_BYTES = 16;
export const FRAME_HEADER_BYTES = 9;
export const AEAD_TAG_BYTES = 16;
/** Bytes a frame adds to its chunk: the 9-byte frame header and the 16-byte GCM tag. */
export const FRAME_OVERHEAD = FRAME_HEADER_BYTES + AEAD_TAG_BYTES;
export const FLAG_FINAL = 0x01;

export const KEY_CHECK_LABEL = utf8.encode('cloister/envelope/v2 key-check');
export const STREAM_LABEL = utf8.encode('cloister/envelope/v2 stream');
export const CONTEXT_CHECK_LABEL = utf8.encode('cloister/envelope/v2 context-check');
export const STREAM_KEY_LABEL = utf8.encode('cloister/envelope/v2 key');
export const STREAM_NONCE_LABEL = utf8.encode('cloister/envelope/v2 nonce');

export type EnvelopeHeader = {
  chunkSize: number;
  enc: Uint8Array;
  keyCheck: Uint8Array;
  contextCheck: Uint8Array;
};

function headerDigest(bytes: Uint8Array): Uint8Array {
  return createHash('sha256').update(bytes).digest().subarray(0, CHECK_BYTES);
}

export function encodeHeader(header: EnvelopeHeader): Uint8Array {
  const length = HEADER_FIXED_BYTES + header.enc.length + 3 * CHECK_BYTES;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  out.set(ENVELOPE_MAGIC, 0);
  out[4] = ENVELOPE_PROTOCOL_VERSION;
  out[5] = 0;
  view.setUint16(6, length);
  view.setUint16(8, ENVELOPE_SUITE.kemId);
  view.setUint16(10, ENVELOPE_SUITE.kdfId);
  view.setUint16(12, ENVELOPE_SUITE.aeadId);
  view.setUint32(14, header.chunkSize);
  view.setUint16(18, header.enc.length);
  let p = HEADER_FIXED_BYTES;
  out.set(header.enc, p);
  p += header.enc.length;
  out.set(header.keyCheck, p);
  p += CHECK_BYTES;
  out.set(header.contextCheck, p);
  p += CHECK_BYTES;
  out.set(headerDigest(out.subarray(0, p)), p);
  return out;
}

/** Reads and checks the header: sizes before reading, then digest, then suite and lengths. */
export async function readHeader(reader: ByteReader): Promise<EnvelopeHeader> {
  const prefix = await reader.read(HEADER_PREFIX_BYTES);
  if (prefix.length < HEADER_PREFIX_BYTES) {
    throw new EnvelopeTruncatedError(`envelope ends inside its header (${prefix.length} bytes)`, {
      details: { where: 'header', length: prefix.length },
    });
  }
  if (!sameBytes(prefix.subarray(0, 4), ENVELOPE_MAGIC)) {
    throw new EnvelopeHeaderInvalidError('not a Cloister envelope (magic "CLSE" expected)');
  }
  if (prefix[4] !== ENVELOPE_PROTOCOL_VERSION) {
    throw new EnvelopeHeaderInvalidError(
      `envelope version ${prefix[4]} is not supported (expected ${ENVELOPE_PROTOCOL_VERSION})`,
      {
        details: { version: prefix[4] },
      },
    );
  }
  const headerLength = ((prefix[6] as number) << 8) | (prefix[7] as number);
  if (headerLength > ENVELOPE_LIMITS.maxHeaderBytes) {
    throw new EnvelopeHeaderOversizedError(
      `envelope header declares ${headerLength} bytes, the limit is ${ENVELOPE_LIMITS.maxHeaderBytes}`,
      {
        details: { headerLength },
      },
    );
  }
  if (headerLength < HEADER_FIXED_BYTES + 3 * CHECK_BYTES) {
    throw new EnvelopeHeaderInvalidError(`envelope header length ${headerLength} is too small`, {
      details: { headerLength },
    });
  }
  const rest = await reader.read(headerLength - HEADER_PREFIX_BYTES);
  if (rest.length < headerLength - HEADER_PREFIX_BYTES) {
    throw new EnvelopeTruncatedError('envelope ends inside its header', { details: { where: 'header' } });
  }
  const header = new Uint8Array(headerLength);
  header.set(prefix, 0);
  header.set(rest, HEADER_PREFIX_BYTES);
  const digestAt = headerLength - CHECK_BYTES;
  if (!timingSafeEqual(headerDigest(header.subarray(0, digestAt)), header.subarray(digestAt))) {
    throw new EnvelopeTamperedError('envelope header was modified (digest mismatch)', {
      details: { where: 'header' },
    });
  }
  const view = new DataView(header.buffer);
  const kemId = view.getUint16(8);
  const kdfId = view.getUint16(10);
  const aeadId = view.getUint16(12);
  if (
    header[5] !== 0 ||
    kemId !== ENVELOPE_SUITE.kemId ||
    kdfId !== ENVELOPE_SUITE.kdfId ||
    aeadId !== ENVELOPE_SUITE.aeadId
  ) {
    throw new EnvelopeHeaderInvalidError(`unsupported HPKE suite kem=${kemId} kdf=${kdfId} aead=${aeadId}`, {
      details: { kemId, kdfId, aeadId },
    });
  }
  const chunkSize = view.getUint32(14);
  if (chunkSize > ENVELOPE_LIMITS.maxChunkSize) {
    throw new EnvelopeHeaderOversizedError(
      `chunk size ${chunkSize} exceeds ${ENVELOPE_LIMITS.maxChunkSize}`,
      { details: { chunkSize } },
    );
  }
  if (chunkSize < ENVELOPE_LIMITS.minChunkSize) {
    throw new EnvelopeHeaderInvalidError(`chunk size ${chunkSize} is below ${ENVELOPE_LIMITS.minChunkSize}`, {
      details: { chunkSize },
    });
  }
  const encLength = view.getUint16(18);
  if (encLength !== 32 || headerLength !== HEADER_FIXED_BYTES + encLength + 3 * CHECK_BYTES) {
    throw new EnvelopeHeaderInvalidError(
      `enc length ${encLength} does not fit header length ${headerLength}`,
      {
        details: { encLength, headerLength },
      },
    );
  }
  let p = HEADER_FIXED_BYTES;
  const enc = header.slice(p, p + encLength);
  p += encLength;
  const keyCheck = header.slice(p, p + CHECK_BYTES);
  p += CHECK_BYTES;
  const contextCheck = header.slice(p, p + CHECK_BYTES);
  return { chunkSize, enc, keyCheck, contextCheck };
}

/** A frame's 9-byte header: index, flags, plaintext length (also the chunk's AAD). */
export function encodeFrameHeader(index: number, final: boolean, plaintextLength: number): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, index);
  out[4] = final ? FLAG_FINAL : 0;
  view.setUint32(5, plaintextLength);
  return out;
}

/**
 * Pulls exact byte counts out of a Uint8Array or an AsyncIterable of them. Returns views of the source when a read
 * fits in one source chunk, otherwise copies into a buffer of the requested size: extra memory stays O(read size).
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<unknown> | undefined;
  private current: Uint8Array = new Uint8Array(0);
  private done = false;

  constructor(source: Uint8Array | AsyncIterable<Uint8Array>) {
    if (source instanceof Uint8Array) {
      this.current = source;
      this.done = true;
    } else if (source !== null && typeof source === 'object' && Symbol.asyncIterator in source) {
      this.iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    } else {
      throw new EnvelopeSourceFailedError('input must be a Uint8Array or an AsyncIterable<Uint8Array>');
    }
  }

  private async pull(): Promise<boolean> {
    if (this.done || this.iterator === undefined) return false;
    let next: IteratorResult<unknown>;
    try {
      next = await this.iterator.next();
    } catch (cause) {
      if (isCloisterError(cause)) throw cause;
      throw new EnvelopeSourceFailedError('the input stream failed', { cause });
    }
    if (next.done) {
      this.done = true;
      return false;
    }
    if (!(next.value instanceof Uint8Array)) {
      throw new EnvelopeSourceFailedError(
        'the input stream yielded something other than bytes (use a binary stream)',
      );
    }
    this.current = next.value;
    return true;
  }

  /** Up to `n` bytes: exactly `n` unless the input ends first. */
  async read(n: number): Promise<Uint8Array> {
    while (this.current.length === 0) {
      if (!(await this.pull())) return new Uint8Array(0);
    }
    if (this.current.length >= n) {
      const out = this.current.subarray(0, n);
      this.current = this.current.subarray(n);
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      if (this.current.length === 0 && !(await this.pull())) return out.subarray(0, filled);
      const take = Math.min(n - filled, this.current.length);
      out.set(this.current.subarray(0, take), filled);
      this.current = this.current.subarray(take);
      filled += take;
    }
    return out;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    while (this.current.length === 0) {
      if (!(await this.pull())) return true;
    }
    return false;
  }

  /** Stops the source (a Node stream is destroyed) when the caller gives up early. */
  async close(): Promise<void> {
    if (this.iterator?.return && !this.done) {
      this.done = true;
      try {
        await this.iterator.return();
      } catch {
        // The source is already failing; the caller reports its own error.
      }
    }
  }
}
