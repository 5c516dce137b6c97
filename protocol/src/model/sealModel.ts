// A model sealed under a task's model key (model access `consortium`): the chunked AES-256-GCM stream of the update
// envelope (same frames, same STREAM construction), keyed with HKDF-SHA256 from the 32-byte model key and a random
// salt, its info binding chain, contract, task, round and key epoch. No HPKE: the key is symmetric and shared with the
// admitted participants through the ModelKeyRegistry. Layout ("CLSM", version 1, big-endian):
//   0 4 magic "CLSM"   4 1 version = 1   5 1 reserved = 0   6 2 header length = 104   8 4 chunk size (u32)
//   12 8 round (u64)   20 4 key epoch (u32)   (in the clear: a reader learns which key to ask for; both are bound by S)
//   24 32 salt   56 16 key check = HMAC-SHA256(model key, "cloister/model/v1 key-check" ‖ salt)[0..16]
//   72 16 context check (as in the envelope, from the stream secret S)   88 16 header digest = SHA-256(bytes 0..88)[0..16]
//   S = HKDF-SHA256(ikm = model key, salt, info = buildModelSealInfo(context), 32)
//   then the envelope's frames (protocol/README.md, "Envelope stream").
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  EnvelopeHeaderInvalidError,
  EnvelopeInvalidKeyError,
  EnvelopeInvalidOptionsError,
  EnvelopeTamperedError,
  EnvelopeTruncatedError,
  EnvelopeWrongContextError,
  EnvelopeWrongKeyError,
} from '../errors.js';
import { ByteReader, ENVELOPE_LIMITS, FRAME_OVERHEAD, encodeFrameHeader } from '../envelope/format.js';
import { chunks } from '../envelope/openUpdate.js';
import { chunksOf } from '../envelope/sealUpdate.js';
import { ChunkAead } from '../envelope/stream.js';
import { buildModelSealInfo, MODEL_SEAL_VERSION, type ModelSealContext } from './buildModelSealInfo.js';

const MAGIC = Buffer.from('CLSM');
const SALT_BYTES = 32;
const CHECK_BYTES = 16;
export const MODEL_SEAL_HEADER_BYTES = 24 + SALT_BYTES + 3 * CHECK_BYTES;
const KEY_CHECK_LABEL = Buffer.from('cloister/model/v1 key-check');

export type SealModelOptions = {
  /** The task's 32-byte model key of `context.epoch`. */
  modelKey: Uint8Array;
  context: ModelSealContext;
  /** The tensor file. */
  plaintext: Uint8Array;
  /** Plaintext bytes per chunk; default 1 MiB. */
  chunkSize?: number;
};

export type OpenModelOptions = {
  modelKey: Uint8Array;
  context: ModelSealContext;
  ciphertext: Uint8Array;
};

function checkKey(key: unknown): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 32) {
    throw new EnvelopeInvalidKeyError('the model key must be exactly 32 bytes');
  }
  return key;
}

function keyCheck(key: Uint8Array, salt: Uint8Array): Buffer {
  return createHmac('sha256', key).update(KEY_CHECK_LABEL).update(salt).digest().subarray(0, CHECK_BYTES);
}

function streamOf(key: Uint8Array, salt: Uint8Array, context: ModelSealContext): ChunkAead {
  return new ChunkAead(new Uint8Array(hkdfSync('sha256', key, salt, buildModelSealInfo(context), 32)));
}

/** Seals a model file under the task's model key; every call draws a fresh salt (a reopened round never reuses a nonce). */
export async function sealModel(options: SealModelOptions): Promise<Uint8Array> {
  const key = checkKey(options?.modelKey);
  if (!(options.plaintext instanceof Uint8Array)) throw new EnvelopeInvalidOptionsError('plaintext must be a Uint8Array');
  const chunkSize = options.chunkSize ?? ENVELOPE_LIMITS.defaultChunkSize;
  if (!Number.isInteger(chunkSize) || chunkSize < ENVELOPE_LIMITS.minChunkSize || chunkSize > ENVELOPE_LIMITS.maxChunkSize) {
    throw new EnvelopeInvalidOptionsError(`chunkSize must be an integer in [${ENVELOPE_LIMITS.minChunkSize}, ${ENVELOPE_LIMITS.maxChunkSize}]`);
  }
  const salt = randomBytes(SALT_BYTES);
  const aead = streamOf(key, salt, options.context);
  const chunkCount = Math.max(1, Math.ceil(options.plaintext.length / chunkSize));
  const out = new Uint8Array(MODEL_SEAL_HEADER_BYTES + options.plaintext.length + chunkCount * FRAME_OVERHEAD);
  const header = out.subarray(0, MODEL_SEAL_HEADER_BYTES);
  const view = new DataView(out.buffer, out.byteOffset);
  header.set(MAGIC, 0);
  header[4] = MODEL_SEAL_VERSION;
  view.setUint16(6, MODEL_SEAL_HEADER_BYTES);
  view.setUint32(8, chunkSize);
  view.setBigUint64(12, BigInt(options.context.round));
  view.setUint32(20, options.context.epoch);
  header.set(salt, 24);
  header.set(keyCheck(key, salt), 56);
  header.set(aead.contextCheck, 72);
  header.set(createHash('sha256').update(header.subarray(0, 88)).digest().subarray(0, CHECK_BYTES), 88);
  let p = MODEL_SEAL_HEADER_BYTES;
  let index = 0;
  for await (const chunk of chunksOf(options.plaintext, chunkSize)) {
    const frame = encodeFrameHeader(index, chunk.final, chunk.data.length);
    const cipher = aead.cipher(frame, index);
    out.set(frame, p);
    p += frame.length;
    const body = cipher.update(chunk.data);
    cipher.final();
    out.set(body, p);
    p += body.length;
    out.set(cipher.getAuthTag(), p);
    p += CHECK_BYTES;
    index++;
  }
  return out.subarray(0, p);
}

/**
 * The round and key epoch a sealed model declares in its header (not authenticated on their own: the stream secret
 * binds them, so opening with another round or epoch fails). Throws EnvelopeHeaderInvalidError if it is not one.
 */
export function readSealedModelHeader(bytes: Uint8Array): { round: bigint; epoch: number } {
  if (!isSealedModel(bytes) || bytes.length < MODEL_SEAL_HEADER_BYTES) {
    throw new EnvelopeHeaderInvalidError('not a sealed Cloister model (magic "CLSM" expected)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return { round: view.getBigUint64(12), epoch: view.getUint32(20) };
}

/** True when `bytes` start like a sealed model (magic "CLSM"). */
export function isSealedModel(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && Buffer.from(bytes.subarray(0, 4)).equals(MAGIC);
}

/**
 * Opens a sealed model: typed errors for a wrong key (EnvelopeWrongKeyError), another chain/contract/task/round/epoch
 * (EnvelopeWrongContextError), a modified or truncated stream. Returns the tensor file only if every chunk authenticates.
 */
export async function openModel(options: OpenModelOptions): Promise<Uint8Array> {
  const key = checkKey(options?.modelKey);
  const bytes = options.ciphertext;
  if (!(bytes instanceof Uint8Array)) throw new EnvelopeInvalidOptionsError('ciphertext must be a Uint8Array');
  if (bytes.length < MODEL_SEAL_HEADER_BYTES) {
    throw new EnvelopeTruncatedError('sealed model ends inside its header', { details: { where: 'header' } });
  }
  const header = bytes.subarray(0, MODEL_SEAL_HEADER_BYTES);
  const view = new DataView(header.buffer, header.byteOffset);
  if (!isSealedModel(header) || header[4] !== MODEL_SEAL_VERSION || header[5] !== 0 || view.getUint16(6) !== MODEL_SEAL_HEADER_BYTES) {
    throw new EnvelopeHeaderInvalidError('not a sealed Cloister model (magic "CLSM", version 1 expected)');
  }
  const digest = createHash('sha256').update(header.subarray(0, 88)).digest().subarray(0, CHECK_BYTES);
  if (!timingSafeEqual(digest, header.subarray(88))) {
    throw new EnvelopeTamperedError('sealed model header was modified (digest mismatch)', { details: { where: 'header' } });
  }
  const chunkSize = view.getUint32(8);
  if (chunkSize < ENVELOPE_LIMITS.minChunkSize || chunkSize > ENVELOPE_LIMITS.maxChunkSize) {
    throw new EnvelopeHeaderInvalidError(`chunk size ${chunkSize} is out of range`, { details: { chunkSize } });
  }
  const salt = header.subarray(24, 56);
  if (!timingSafeEqual(keyCheck(key, salt), header.subarray(56, 72))) {
    throw new EnvelopeWrongKeyError('the model was sealed under another model key (another task or key epoch?)');
  }
  const aead = streamOf(key, salt, options.context);
  if (!timingSafeEqual(aead.contextCheck, header.subarray(72, 88))) {
    throw new EnvelopeWrongContextError('the model was sealed for another chain, contract, task, round or epoch');
  }
  const reader = new ByteReader(bytes.subarray(MODEL_SEAL_HEADER_BYTES));
  const out = new Uint8Array(Math.max(0, bytes.length - MODEL_SEAL_HEADER_BYTES - FRAME_OVERHEAD));
  let filled = 0;
  for await (const plaintext of chunks(reader, aead, chunkSize)) {
    out.set(plaintext, filled);
    filled += plaintext.length;
  }
  return out.subarray(0, filled);
}
