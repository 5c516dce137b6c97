// Signer recovery for secp256k1 signatures (Ethereum accounts), on the hot paths: every upload (coordinator), every
// update (aggregator) and every signed aggregator request. ethers parses and checks the signature (65 bytes, v, low s)
// and computes the digest; the curve work is done by tiny-secp256k1 (bitcoinjs' WebAssembly build of
// libsecp256k1), ≈ 0.8 ms per recovery here against ≈ 3.5–4 ms for ethers' own (pure JS, @noble/curves).
// `npm run bench -w protocol` measures both in the same run; the tests check they agree.
import { recover } from 'tiny-secp256k1';
import {
  dataSlice,
  getAddress,
  getBytes,
  hashMessage,
  keccak256,
  Signature,
  type SignatureLike,
} from 'ethers';
import { SignatureInvalidError } from '../errors.js';

/**
 * The checksummed address whose key signed the 32-byte `digest` (0x hex). Throws SignatureInvalidError when the
 * signature is malformed (as ethers' `Signature.from` judges it) or recovers to no point.
 */
export function recoverSigner(digest: string, signature: SignatureLike): string {
  let hash: Uint8Array;
  let publicKey: Uint8Array | null;
  try {
    hash = getBytes(digest);
    // Signature.from accepts 65-byte and 64-byte (EIP-2098) forms; reading `s` refuses a non-canonical (high) s.
    const parsed = Signature.from(signature);
    const compact = getBytes(parsed.r + parsed.s.slice(2));
    if (hash.length !== 32) throw new SignatureInvalidError('the signed digest must be 32 bytes');
    publicKey = recover(hash, compact, parsed.yParity, false);
  } catch (cause) {
    if (cause instanceof SignatureInvalidError) throw cause;
    throw new SignatureInvalidError('signature is malformed or does not recover to an address', { cause });
  }
  if (publicKey === null) throw new SignatureInvalidError('signature does not recover to an address');
  // Address = last 20 bytes of keccak256 of the uncompressed key without its 0x04 prefix.
  return getAddress(dataSlice(keccak256(publicKey.subarray(1)), 12));
}

/** The checksummed address that signed `message` with EIP-191 `personal_sign` (ethers' `signMessage`). */
export function recoverMessageSigner(message: string | Uint8Array, signature: SignatureLike): string {
  return recoverSigner(hashMessage(message), signature);
}
