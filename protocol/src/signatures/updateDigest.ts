import {
  Signature,
  TypedDataEncoder,
  getAddress,
  isHexString,
  recoverAddress,
  type Signer,
  type TypedDataDomain,
} from 'ethers';
import { SignatureInputInvalidError, SignatureInvalidError } from '../errors.js';

/** What a participant signs for an upload: the round and the SHA-256 of its ciphertext. */
export type UpdateDigest = {
  chainId: bigint;
  contractAddress: string;
  taskId: bigint;
  round: bigint;
  ciphertextHash: string;
};

/** EIP-712 type of the signed message. */
export const SEALED_UPDATE_TYPES = {
  SealedUpdate: [
    { name: 'taskId', type: 'uint256' },
    { name: 'round', type: 'uint64' },
    { name: 'ciphertextHash', type: 'bytes32' },
  ],
} as const;

const U256 = (1n << 256n) - 1n;
const U64 = (1n << 64n) - 1n;

function checkUint(value: unknown, field: string, max: bigint): bigint {
  const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof v !== 'bigint' || v < 0n || v > max) {
    throw new SignatureInputInvalidError(`digest.${field} must be an unsigned integer in range`, {
      details: { field },
    });
  }
  return v;
}

/** The EIP-712 domain and message for a digest, validated: { name: 'Cloister', version: '1', chainId, verifyingContract }. */
export function updateTypedData(digest: UpdateDigest): {
  domain: TypedDataDomain;
  types: { SealedUpdate: { name: string; type: string }[] };
  message: { taskId: bigint; round: bigint; ciphertextHash: string };
} {
  if (typeof digest !== 'object' || digest === null)
    throw new SignatureInputInvalidError('digest must be an object');
  const chainId = checkUint(digest.chainId, 'chainId', U256);
  let verifyingContract: string;
  try {
    verifyingContract = getAddress(String(digest.contractAddress).toLowerCase());
  } catch (cause) {
    throw new SignatureInputInvalidError('digest.contractAddress is not an address', {
      cause,
      details: { field: 'contractAddress' },
    });
  }
  if (!isHexString(digest.ciphertextHash, 32)) {
    throw new SignatureInputInvalidError(
      'digest.ciphertextHash must be 0x + 64 hex digits (sha256Hex of the ciphertext)',
      {
        details: { field: 'ciphertextHash' },
      },
    );
  }
  return {
    domain: { name: 'Cloister', version: '1', chainId, verifyingContract },
    types: { SealedUpdate: SEALED_UPDATE_TYPES.SealedUpdate.map((f) => ({ ...f })) },
    message: {
      taskId: checkUint(digest.taskId, 'taskId', U256),
      round: checkUint(digest.round, 'round', U64),
      ciphertextHash: digest.ciphertextHash.toLowerCase(),
    },
  };
}

/** The 32-byte EIP-712 hash a signer signs for this digest. */
export function hashUpdateDigest(digest: UpdateDigest): string {
  const { domain, types, message } = updateTypedData(digest);
  return TypedDataEncoder.hash(domain, types, message);
}

/** Signs the digest with EIP-712 (`signTypedData`); the result goes in the `x-cloister-signature` header. */
export async function signUpdateDigest(signer: Signer, digest: UpdateDigest): Promise<string> {
  const { domain, types, message } = updateTypedData(digest);
  return signer.signTypedData(domain, types, message);
}

/** Recovers the checksummed address that signed the digest; a malformed signature throws SignatureInvalidError. */
export function recoverUpdateSigner(digest: UpdateDigest, signature: string): string {
  const hash = hashUpdateDigest(digest);
  if (typeof signature !== 'string' || !isHexString(signature)) {
    throw new SignatureInvalidError('signature must be a 0x-prefixed hex string');
  }
  try {
    return recoverAddress(hash, Signature.from(signature));
  } catch (cause) {
    throw new SignatureInvalidError('signature is malformed or does not recover to an address', { cause });
  }
}
