import { TypedDataEncoder, getAddress, isHexString, type Signer, type TypedDataDomain } from 'ethers';
import { EnvelopeInvalidContextError } from '../errors.js';
import { recoverSigner } from '../signatures/recoverSigner.js';

/** What a confidential inference request and its answer are bound to (HPKE `info`). */
export type InferenceContext = {
  chainId: bigint;
  /** The InferenceCredit contract (which charges the request). */
  contractAddress: string;
  taskId: bigint;
  /** The account whose credit pays; it signs the request. */
  querier: string;
  /** 0x + 64 hex: chosen by the querier, charged at most once per (task, querier). */
  requestId: string;
};

export const INFERENCE_PROTOCOL_VERSION = 1;
const LABEL = new TextEncoder().encode('cloister/inference'); // 18 bytes
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function put(out: Uint8Array, offset: number, bytes: number, value: bigint): void {
  for (let i = bytes - 1; i >= 0; i--) {
    out[offset + i] = Number(value & 0xffn);
    value >>= 8n;
  }
}

function uint256(value: unknown, field: string): bigint {
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof v !== 'bigint' || v < 0n || v >= 1n << 256n) {
    throw new EnvelopeInvalidContextError(`context.${field} must be an unsigned 256-bit integer`, { details: { field } });
  }
  return v;
}

function address(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || !ADDRESS.test(value)) {
    throw new EnvelopeInvalidContextError(`context.${field} must be a 0x-prefixed 20-byte hex address`, { details: { field } });
  }
  return Buffer.from(value.slice(2).toLowerCase(), 'hex');
}

/**
 * HPKE `info` of a request (direction 1) or its answer (direction 2), 156 bytes: "cloister/inference" ‖ version (u8) ‖
 * direction (u8) ‖ chainId (u256) ‖ contract (20) ‖ taskId (u256) ‖ querier (20) ‖ requestId (32).
 */
export function buildInferenceInfo(context: InferenceContext, direction: 'request' | 'answer'): Uint8Array {
  if (typeof context !== 'object' || context === null) {
    throw new EnvelopeInvalidContextError('an inference request needs a context object');
  }
  if (!isHexString(context.requestId, 32)) {
    throw new EnvelopeInvalidContextError('context.requestId must be 0x + 64 hex digits', { details: { field: 'requestId' } });
  }
  const out = new Uint8Array(LABEL.length + 2 + 32 + 20 + 32 + 20 + 32);
  let p = 0;
  out.set(LABEL, p);
  p += LABEL.length;
  out[p++] = INFERENCE_PROTOCOL_VERSION;
  out[p++] = direction === 'request' ? 1 : 2;
  put(out, p, 32, uint256(context.chainId, 'chainId'));
  p += 32;
  out.set(address(context.contractAddress, 'contractAddress'), p);
  p += 20;
  put(out, p, 32, uint256(context.taskId, 'taskId'));
  p += 32;
  out.set(address(context.querier, 'querier'), p);
  p += 20;
  out.set(Buffer.from(context.requestId.slice(2), 'hex'), p);
  return out;
}

const INFERENCE_REQUEST_TYPES = {
  InferenceRequest: [
    { name: 'taskId', type: 'uint256' },
    { name: 'requestId', type: 'bytes32' },
    { name: 'ciphertextHash', type: 'bytes32' },
  ],
};

function typedData(context: InferenceContext, ciphertextHash: string) {
  const domain: TypedDataDomain = {
    name: 'Cloister',
    version: '1',
    chainId: context.chainId,
    verifyingContract: getAddress(context.contractAddress.toLowerCase()),
  };
  return { domain, message: { taskId: context.taskId, requestId: context.requestId, ciphertextHash } };
}

/** The querier's EIP-712 signature over (task, request id, sha256 of the sealed request): it authorizes the charge. */
export async function signInferenceRequest(signer: Signer, context: InferenceContext, ciphertextHash: string): Promise<string> {
  const { domain, message } = typedData(context, ciphertextHash);
  return signer.signTypedData(domain, INFERENCE_REQUEST_TYPES, message);
}

/** The address that signed a request (checksummed); the aggregator compares it with `context.querier`. */
export function recoverInferenceRequestSigner(context: InferenceContext, ciphertextHash: string, signature: string): string {
  const { domain, message } = typedData(context, ciphertextHash);
  return recoverSigner(TypedDataEncoder.hash(domain, INFERENCE_REQUEST_TYPES, message), signature);
}
