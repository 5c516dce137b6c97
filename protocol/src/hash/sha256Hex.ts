import { createHash } from 'node:crypto';

/** `0x` + 64 lowercase hex digits of SHA-256(bytes). The model hash is sha256Hex(encodeTensors(weights)). */
export function sha256Hex(bytes: Uint8Array): `0x${string}` {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Incremental SHA-256 for streams (ciphertext hashes while uploading): feed chunks, then `digestHex()`. */
export function createSha256(): { update(bytes: Uint8Array): void; digestHex(): `0x${string}` } {
  const hash = createHash('sha256');
  return {
    update: (bytes) => void hash.update(bytes),
    digestHex: () => `0x${hash.digest('hex')}`,
  };
}
