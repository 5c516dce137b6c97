import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { Static } from '@sinclair/typebox';
import type { S3StoreConfigSchema } from '../config';
import { assertKey, type ArtifactStore, type PutOptions, type StagedArtifact, type StoredObject } from './ArtifactStore';
import { stageToFile } from './staging';

export type S3StoreConfig = Static<typeof S3StoreConfigSchema>;

/** Builds the S3 client options from the store configuration (endpoint for MinIO/R2/…, path style, static keys). */
export function s3ClientConfig(config: S3StoreConfig): S3ClientConfig {
  return {
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
  };
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * S3-compatible store. Bodies are staged on local disk first (hash and size known before anything reaches the
 * bucket, so objects are content-addressed and never partial), then streamed to S3 with a known length.
 */
export class S3Store implements ArtifactStore {
  readonly kind = 's3' as const;
  readonly client: S3Client;

  constructor(readonly config: S3StoreConfig, client?: S3Client) {
    this.client = client ?? new S3Client(s3ClientConfig(config));
  }

  /** The object key in the bucket for a store key. */
  objectKey(key: string): string {
    return `${this.config.keyPrefix}${assertKey(key)}`;
  }

  async put(source: Readable, options?: PutOptions): Promise<StagedArtifact> {
    const staged = await stageToFile(path.resolve(this.config.stagingDirectory), source, options);
    let done = false;
    return {
      sha256: staged.sha256,
      size: staged.size,
      commit: async (key: string) => {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.config.bucket,
            Key: this.objectKey(key),
            Body: createReadStream(staged.file),
            ContentLength: staged.size,
            ContentType: 'application/octet-stream',
          }),
        );
        await rm(staged.file, { force: true });
        done = true;
      },
      discard: async () => {
        if (!done) await rm(staged.file, { force: true });
        done = true;
      },
    };
  }

  async get(key: string): Promise<StoredObject | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      return { stream: out.Body as Readable, size: Number(out.ContentLength ?? 0) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }));
  }
}
