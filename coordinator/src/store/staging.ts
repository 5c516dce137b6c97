import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { RequestInvalidError, UploadTooLargeError } from '../errors';
import type { PutOptions } from './ArtifactStore';

type Listener = Parameters<NodeJS.EventEmitter['on']>[1];

export type StagedFile = { file: string; sha256: `0x${string}`; size: number };

/**
 * Streams `source` to a fresh file under `directory`, hashing and counting on the fly (no intermediate Transform:
 * a `data` listener hashes each chunk and writes it, pausing the source while the file stream drains). Removes the
 * file on failure. The source is never destroyed here, so an HTTP request can still be answered (e.g. with 413).
 */
export async function stageToFile(directory: string, source: Readable, options: PutOptions = {}): Promise<StagedFile> {
  const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
  // An abort before the listeners below are attached must not be an unhandled error.
  let early: Error | null = null;
  const onEarlyError = (err: Error) => (early ??= err);
  source.on('error', onEarlyError);
  try {
    await mkdir(directory, { recursive: true });
  } finally {
    source.off('error', onEarlyError);
  }
  const file = path.join(directory, `${Date.now()}-${randomBytes(8).toString('hex')}.part`);
  const hash = createHash('sha256');
  let size = 0;
  const out = createWriteStream(file, { flags: 'wx', highWaterMark: 1024 * 1024 });
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      // Every listener attached below, so that settling detaches all of them.
      const listeners: [NodeJS.EventEmitter, string, Listener][] = [];
      const cleanup = () => {
        for (const [emitter, event, listener] of listeners) emitter.off(event, listener);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const listen = (emitter: NodeJS.EventEmitter, event: string, listener: Listener) => {
        listeners.push([emitter, event, listener]);
        emitter.on(event, listener);
      };
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        cleanup();
        source.pause();
        out.destroy();
        reject(err);
      };
      const onError = (err: Error) => fail(err);
      const onClose = () => {
        if (!source.readableEnded) fail(new RequestInvalidError('the client closed the connection before the body ended'));
      };
      const onDrain = () => source.resume();
      const onAbort = () => fail(options.signal!.reason instanceof Error ? options.signal!.reason : new Error('upload aborted'));
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          fail(new UploadTooLargeError(`body exceeds the limit of ${maxBytes} bytes`, { details: { maxBytes } }));
          return;
        }
        hash.update(chunk);
        if (!out.write(chunk)) source.pause();
      };
      const onEnd = () => {
        if (settled) return;
        settled = true;
        cleanup();
        out.once('error', reject);
        out.end(() => resolve());
      };
      listen(out, 'error', onError);
      listen(out, 'drain', onDrain);
      listen(source, 'error', onError);
      listen(source, 'close', onClose);
      listen(source, 'end', onEnd);
      options.signal?.addEventListener('abort', onAbort);
      if (options.signal?.aborted) return onAbort();
      if (early) return fail(early);
      if (source.errored) return fail(source.errored);
      if (source.readableEnded) return onEnd();
      if (source.destroyed) return onClose();
      listen(source, 'data', onData);
      source.resume();
    });
  } catch (error) {
    // A stream destroyed while it was still opening its file creates the file when the open completes: wait for it
    // to close before removing it, or a .part file was left behind (seen under load).
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    await rm(file, { force: true });
    throw error;
  }
  return { file, sha256: `0x${hash.digest('hex')}`, size };
}
