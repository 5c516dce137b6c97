import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { BlobPutResponseSchema, ErrorResponseSchema, parseTaskSpec, sha256Hex } from '@cloister/protocol';
import { BlobHashMismatchError, BlobNotFoundError, TaskSpecInvalidError, UnsupportedMediaTypeError, UploadTooLargeError } from '../../errors';
import { blobKey } from '../../store';
import type { App } from '../typebox';
import { acceptBinaryStreams, BinaryBody } from '../binaryBody';

/** Task specs are small JSON documents (a model topology, not weights). */
const TASK_SPEC_MAX_BYTES = 16 * 1024 * 1024;

const BlobParams = Type.Object({ sha256: Type.String({ pattern: '^(0x)?[0-9a-fA-F]{64}$' }) });

function normalise(sha: string): `0x${string}` {
  return `0x${sha.replace(/^0x/, '').toLowerCase()}`;
}

/** Content-addressed models and task specs: streamed in (hash checked on the fly) and out. */
export default async function blobRoutes(app: App): Promise<void> {
  acceptBinaryStreams(app);

  app.get(
    '/v1/blobs/:sha256',
    { schema: { tags: ['blobs'], params: BlobParams, response: { 200: BinaryBody, 404: ErrorResponseSchema } } },
    async (request, reply) => {
      const hash = normalise(request.params.sha256);
      const object = await app.store.get(blobKey(hash));
      if (!object) throw new BlobNotFoundError(`no blob ${hash}`);
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-length', object.size)
        .header('etag', `"${hash.slice(2)}"`)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(object.stream);
    },
  );

  app.put(
    '/v1/blobs/:sha256',
    {
      schema: {
        tags: ['blobs'],
        params: BlobParams,
        consumes: ['application/octet-stream'],
        response: { 200: BlobPutResponseSchema, 400: ErrorResponseSchema, 401: ErrorResponseSchema, 413: ErrorResponseSchema },
      },
    },
    async (request, reply) => {
      await app.auth.requireOperatorOrAggregator(request);
      if (!(request.body instanceof Readable)) throw new UnsupportedMediaTypeError('send the blob as application/octet-stream');
      const expected = normalise(request.params.sha256);
      const key = blobKey(expected);
      const limit = app.config.uploads.maxBlobBytes;
      const declared = Number(request.headers['content-length'] ?? NaN);
      if (declared > limit) {
        reply.header('connection', 'close');
        throw new UploadTooLargeError(`blob of ${declared} bytes exceeds the limit of ${limit}`);
      }
      let staged;
      try {
        staged = await app.store.put(request.body, { maxBytes: limit });
      } catch (error) {
        reply.header('connection', 'close');
        throw error;
      }
      try {
        if (staged.sha256 !== expected) {
          throw new BlobHashMismatchError(`body hashes to ${staged.sha256}, not ${expected} as the path says`);
        }
        const duplicate = await app.store.has(key);
        if (!duplicate) await staged.commit(key);
        request.log.info({ sha256: expected, size: staged.size, duplicate }, 'blob: stored');
        return { sha256: expected, size: staged.size, duplicate };
      } finally {
        await staged.discard();
      }
    },
  );

  // A task spec is stored like any blob, but only once it validates as the aggregator and the nodes will validate it
  // (protocol's parseTaskSpec): a spec they would refuse never gets a hash worth proposing.
  app.put(
    '/v1/task-specs/:sha256',
    {
      schema: {
        tags: ['blobs'],
        params: BlobParams,
        consumes: ['application/octet-stream'],
        response: { 200: BlobPutResponseSchema, 400: ErrorResponseSchema, 401: ErrorResponseSchema, 413: ErrorResponseSchema },
      },
    },
    async (request) => {
      await app.auth.requireOperatorOrAggregator(request);
      if (!(request.body instanceof Readable)) throw new UnsupportedMediaTypeError('send the task spec as application/octet-stream');
      const expected = normalise(request.params.sha256);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of request.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > TASK_SPEC_MAX_BYTES) throw new UploadTooLargeError(`a task spec is at most ${TASK_SPEC_MAX_BYTES} bytes`);
        chunks.push(chunk);
      }
      const bytes = Buffer.concat(chunks);
      const actual = sha256Hex(bytes);
      if (actual !== expected) throw new BlobHashMismatchError(`body hashes to ${actual}, not ${expected} as the path says`);
      let document: unknown;
      try {
        document = JSON.parse(bytes.toString('utf8'));
      } catch (cause) {
        throw new TaskSpecInvalidError(`the task spec is not JSON: ${(cause as Error).message}`);
      }
      try {
        parseTaskSpec(document, 'task spec');
      } catch (cause) {
        throw new TaskSpecInvalidError((cause as Error).message, { details: (cause as { details?: Record<string, unknown> }).details });
      }
      const staged = await app.store.put(Readable.from([bytes]), { maxBytes: TASK_SPEC_MAX_BYTES });
      try {
        const key = blobKey(expected);
        const duplicate = await app.store.has(key);
        if (!duplicate) await staged.commit(key);
        request.log.info({ sha256: expected, size, duplicate }, 'task spec: validated and stored');
        return { sha256: expected, size, duplicate };
      } finally {
        await staged.discard();
      }
    },
  );
}
