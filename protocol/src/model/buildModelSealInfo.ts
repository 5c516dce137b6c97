import { EnvelopeInvalidContextError } from '../errors.js';

/** Version of the sealed-model layout and of its info. */
export const MODEL_SEAL_VERSION = 1;
const LABEL = new TextEncoder().encode('cloister/model'); // 14 bytes
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** What a sealed model is bound to: the HKDF info encodes all of it. */
export type ModelSealContext = {
  chainId: bigint;
  /** The ModelKeyRegistry address. */
  contractAddress: string;
  taskId: bigint;
  /** The round whose model it is (0 = the initial model). */
  round: bigint;
  /** The key epoch the model key belongs to (1, 2, …). */
  epoch: number;
};

function uint(value: unknown, field: string, bytes: number): bigint {
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof v !== 'bigint' || v < 0n || v >= 1n << BigInt(8 * bytes)) {
    throw new EnvelopeInvalidContextError(`context.${field} must be an unsigned ${8 * bytes}-bit integer`, {
      details: { field },
    });
  }
  return v;
}

function put(out: Uint8Array, offset: number, bytes: number, value: bigint): void {
  for (let i = bytes - 1; i >= 0; i--) {
    out[offset + i] = Number(value & 0xffn);
    value >>= 8n;
  }
}

/**
 * The HKDF `info` of a sealed model, 111 bytes:
 * "cloister/model" ‖ version (u8) ‖ chainId (u256) ‖ contract (20) ‖ taskId (u256) ‖ round (u64) ‖ epoch (u32).
 */
export function buildModelSealInfo(context: ModelSealContext): Uint8Array {
  if (typeof context !== 'object' || context === null) {
    throw new EnvelopeInvalidContextError('a sealed model needs a context object');
  }
  if (typeof context.contractAddress !== 'string' || !ADDRESS.test(context.contractAddress)) {
    throw new EnvelopeInvalidContextError('context.contractAddress must be a 0x-prefixed 20-byte hex address', {
      details: { field: 'contractAddress' },
    });
  }
  const out = new Uint8Array(LABEL.length + 1 + 32 + 20 + 32 + 8 + 4);
  let p = 0;
  out.set(LABEL, p);
  p += LABEL.length;
  out[p++] = MODEL_SEAL_VERSION;
  put(out, p, 32, uint(context.chainId, 'chainId', 32));
  p += 32;
  out.set(Buffer.from(context.contractAddress.slice(2).toLowerCase(), 'hex'), p);
  p += 20;
  put(out, p, 32, uint(context.taskId, 'taskId', 32));
  p += 32;
  put(out, p, 8, uint(context.round, 'round', 8));
  p += 8;
  const epoch = uint(context.epoch, 'epoch', 4);
  if (epoch === 0n) throw new EnvelopeInvalidContextError('context.epoch starts at 1', { details: { field: 'epoch' } });
  put(out, p, 4, epoch);
  return out;
}

/** The appd key id of a task's model key in an epoch (`keys/generate`, kind raw-256). */
export function modelKeyId(taskId: bigint, epoch: number): string {
  return `cloister/model-key/v1/task/${taskId.toString()}/epoch/${epoch}`;
}

/**
 * The envelope context of a consortium task's initial model: the author seals it with HPKE to the aggregator's key
 * before the task (and its id) exists, so it is bound to the chain and the ModelKeyRegistry only (task 0, round 0,
 * participant 0x0); the TEE re-seals it under the task's model key as round 0.
 */
export function initialModelEnvelopeContext(chainId: bigint, modelKeysAddress: string) {
  return { chainId, contractAddress: modelKeysAddress, taskId: 0n, round: 0n, participant: '0x' + '00'.repeat(20) };
}
