import { EnvelopeInvalidContextError } from '../errors.js';
import type { EnvelopeContext } from './types.js';

/** Version of the envelope's info and stream layout. */
export const ENVELOPE_PROTOCOL_VERSION = 2;
const LABEL = new TextEncoder().encode('cloister/envelope'); // 17 bytes
const U256 = (1n << 256n) - 1n;
const U64 = (1n << 64n) - 1n;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function toBigInt(value: unknown, field: string, max: bigint): bigint {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else throw new EnvelopeInvalidContextError(`context.${field} must be a bigint`, { details: { field } });
  if (v < 0n || v > max) {
    throw new EnvelopeInvalidContextError(`context.${field} is out of range`, {
      details: { field, value: v.toString() },
    });
  }
  return v;
}

function writeUint(out: Uint8Array, offset: number, bytes: number, value: bigint): void {
  for (let i = bytes - 1; i >= 0; i--) {
    out[offset + i] = Number(value & 0xffn);
    value >>= 8n;
  }
}

function writeAddress(out: Uint8Array, offset: number, value: unknown, field: string): void {
  if (typeof value !== 'string' || !ADDRESS.test(value)) {
    throw new EnvelopeInvalidContextError(`context.${field} must be a 0x-prefixed 20-byte hex address`, {
      details: { field },
    });
  }
  // Canonical: the raw 20 bytes, so checksummed and lowercase spellings bind the same envelope.
  out.set(Buffer.from(value.slice(2).toLowerCase(), 'hex'), offset);
}

/**
 * The HPKE `info` of an envelope, 130 bytes:
 * "cloister/envelope" ‖ version (u8) ‖ chainId (u256 BE) ‖ contract (20) ‖ taskId (u256 BE) ‖ round (u64 BE) ‖ participant (20).
 */
export function buildEnvelopeInfo(context: EnvelopeContext): Uint8Array {
  if (typeof context !== 'object' || context === null)
    throw new EnvelopeInvalidContextError('context must be an object');
  const out = new Uint8Array(LABEL.length + 1 + 32 + 20 + 32 + 8 + 20);
  let p = 0;
  out.set(LABEL, p);
  p += LABEL.length;
  out[p++] = ENVELOPE_PROTOCOL_VERSION;
  writeUint(out, p, 32, toBigInt(context.chainId, 'chainId', U256));
  p += 32;
  writeAddress(out, p, context.contractAddress, 'contractAddress');
  p += 20;
  writeUint(out, p, 32, toBigInt(context.taskId, 'taskId', U256));
  p += 32;
  writeUint(out, p, 8, toBigInt(context.round, 'round', U64));
  p += 8;
  writeAddress(out, p, context.participant, 'participant');
  return out;
}
