import type { Readable } from 'node:stream';

/** A body staged by `put`: hashed and size-checked, not yet visible under a key. */
export interface StagedArtifact {
  /** 0x + 64 lowercase hex sha256 of the bytes, computed while they streamed in. */
  readonly sha256: `0x${string}`;
  readonly size: number;
  /** Makes the bytes readable under `key` (atomic: readers never see a partial object). */
  commit(key: string): Promise<void>;
  /** Drops the staged bytes. Safe to call after commit or twice. */
  discard(): Promise<void>;
}

export type PutOptions = {
  /** Fails with CLOISTER_ERR_UPLOAD_TOO_LARGE as soon as more bytes than this arrive. */
  maxBytes?: number;
  /** Aborts the transfer (the staged file is removed and `put` rejects with the signal's reason). */
  signal?: AbortSignal;
};

export type StoredObject = { stream: Readable; size: number };

/**
 * Content store for models, task specs and update ciphertexts. Keys are `<namespace>/<sha256 hex>`.
 * Bodies stream in and out; nothing holds a whole object in memory.
 */
export interface ArtifactStore {
  readonly kind: 'filesystem' | 's3';
  /** Streams `source` to staging, computing sha256 and size on the fly. */
  put(source: Readable, options?: PutOptions): Promise<StagedArtifact>;
  /** Streams an object, or null when absent. */
  get(key: string): Promise<StoredObject | null>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Checks the backend is usable (readiness). */
  ping(): Promise<void>;
}

const KEY = /^[a-z][a-z0-9-]*\/[0-9a-f]{64}$/;

/** Validates a store key (`namespace/<64 hex>`), rejecting anything that could escape the store. */
export function assertKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`invalid artifact key ${JSON.stringify(key)}: expected <namespace>/<64 hex>`);
  return key;
}

export function blobKey(sha256: string): string {
  return assertKey(`blobs/${sha256.replace(/^0x/, '').toLowerCase()}`);
}

export function updateKey(sha256: string): string {
  return assertKey(`updates/${sha256.replace(/^0x/, '').toLowerCase()}`);
}
