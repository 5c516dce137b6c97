import type { StoreConfig } from '../config';
import { FilesystemStore } from './FilesystemStore';
import { S3Store } from './S3Store';
import type { ArtifactStore } from './ArtifactStore';

export * from './ArtifactStore';
export { FilesystemStore } from './FilesystemStore';
export { S3Store, s3ClientConfig } from './S3Store';

/** Selects the store backend from configuration (filesystem by default, S3 when `kind: 's3'`). */
export function createStore(config: StoreConfig): ArtifactStore {
  return config.kind === 's3' ? new S3Store(config) : new FilesystemStore(config.directory);
}
