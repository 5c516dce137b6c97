import type { webcrypto } from 'node:crypto';

/** What an envelope is bound to: HPKE `info` encodes all of it, so a ciphertext cannot move to another round or name. */
export type EnvelopeContext = {
  chainId: bigint;
  contractAddress: string;
  taskId: bigint;
  round: bigint;
  participant: string;
};

/** An X25519 recipient key pair: the private key stays a non-exportable-by-us CryptoKey, the public key is raw bytes. */
export type RecipientKeyPair = {
  privateKey: webcrypto.CryptoKey;
  publicKey: Uint8Array; /* 32 bytes, raw X25519 */
};

export type SealUpdateOptions = {
  /** The aggregator's raw 32-byte X25519 public key (read from the chain). */
  recipientPublicKey: Uint8Array;
  context: EnvelopeContext;
  /** The encoded update, whole or as a stream (a Node Readable is an AsyncIterable<Buffer>). */
  plaintext: Uint8Array | AsyncIterable<Uint8Array>;
  /** Plaintext bytes per chunk; default 1 MiB. */
  chunkSize?: number;
};

export type OpenUpdateOptions = {
  recipientKeyPair: RecipientKeyPair;
  context: EnvelopeContext;
  ciphertext: Uint8Array | AsyncIterable<Uint8Array>;
};

export type OpenUpdateToBytesOptions = OpenUpdateOptions & {
  /** Where to write the plaintext (reused across updates); must hold it: a buffer as long as the ciphertext does. */
  output?: Uint8Array;
};
