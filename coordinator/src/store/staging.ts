import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { coordinatorError } from '../errors';
import type { PutOptions } from './ArtifactStore';

export type StagedFile = { file: string; sha256: `0x${string}`; size: number };

/** Counts and hashes bytes as they pass; fails as soon as the limit is exceeded. */
class HashingMeter extends Transform {
  readonly hash = createHash('sha256');
  size = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      done(coordinatorError('UploadTooLarge', `body exceeds the limit of ${this.maxBytes} bytes`, { details: { maxBytes: this.maxBytes } }));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }
}

/**
 * Streams `source` to a fresh file under `directory`, hashing on the fly. Removes the file on failure. The source is
 * never destroyed here (so an HTTP request can still be answered, e.g. with 413); it is left paused-unpiped.
 */
export async function stageToFile(directory: string, source: Readable, options: PutOptions = {}): Promise<StagedFile> {
  const meter = new HashingMeter(options.maxBytes ?? Number.MAX_SAFE_INTEGER);
  let failure: Error | null = null;
  let piped = false;
  const fail = (err: Error) => {
    failure ??= err;
    if (piped) meter.destroy(err);
  };
  const onSourceError = (err: Error) => fail(err);
  const onSourceAbort = () => {
    if (!source.readableEnded) fail(coordinatorError('RequestInvalid', 'the client closed the connection before the body ended'));
  };
  // Listeners go on before any await, so an early client abort is never an unhandled error.
  source.on('error', onSourceError);
  source.once('close', onSourceAbort);
  const file = path.join(directory, `${Date.now()}-${randomBytes(8).toString('hex')}.part`);
  try {
    await mkdir(directory, { recursive: true });
    if (source.errored) fail(source.errored);
    if (source.destroyed) onSourceAbort();
    if (failure) throw failure;
    const done = pipeline(meter, createWriteStream(file, { flags: 'wx' }));
    piped = true;
    source.pipe(meter);
    await done;
  } catch (error) {
    source.unpipe(meter);
    await rm(file, { force: true });
    throw error;
  } finally {
    source.off('error', onSourceError);
    source.off('close', onSourceAbort);
  }
  return { file, sha256: `0x${meter.hash.digest('hex')}`, size: meter.size };
}
