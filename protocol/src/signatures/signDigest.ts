// Signing on the hot paths with a key held in this process (an ethers Wallet): each participant's update digest and
// each signed aggregator request. The curve work is done by tiny-secp256k1 (libsecp256k1 in WebAssembly, RFC 6979
// nonces, low s): ≈ 0.3 ms per signature here against ≈ 1–2 ms for ethers' pure-JS signer, with the same signature
// bytes (the tests compare them). Any other Signer (a browser wallet, a keystore behind a provider, a remote signer)
// signs through its own method, as before.
import { signRecoverable } from 'tiny-secp256k1';
import { BaseWallet, getBytes, hashMessage, hexlify, Signature, type Signer } from 'ethers';

/** The private key of `signer` when it is a wallet in this process, else null. */
function localKey(signer: Signer): Uint8Array | null {
  return signer instanceof BaseWallet ? getBytes(signer.signingKey.privateKey) : null;
}

/** The 65-byte signature (r ‖ s ‖ v, v = 27 + recovery id) of a 32-byte digest (0x hex) by `privateKey`. */
export function signDigest(privateKey: Uint8Array, digest: string): string {
  const { signature, recoveryId } = signRecoverable(getBytes(digest), privateKey);
  return Signature.from({ r: hexlify(signature.subarray(0, 32)), s: hexlify(signature.subarray(32, 64)), v: 27 + recoveryId }).serialized;
}

/**
 * Signs a 32-byte digest the way `viaSigner` would (EIP-712 `signTypedData`, EIP-191 `signMessage`): directly with the
 * key when `signer` is a wallet in this process, else through `viaSigner`.
 */
export async function signDigestAs(signer: Signer, digest: string, viaSigner: () => Promise<string>): Promise<string> {
  const key = localKey(signer);
  return key === null ? viaSigner() : signDigest(key, digest);
}

/** EIP-191 `personal_sign` of `message` (what ethers' `signMessage` returns), fast for a wallet in this process. */
export function signPersonalMessage(signer: Signer, message: string | Uint8Array): Promise<string> {
  return signDigestAs(signer, hashMessage(message), () => signer.signMessage(message));
}
