import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { BlobPutResponseSchema, ErrorResponseSchema } from '@cloister/protocol';
import { coordinatorError } from '../../errors';
import { blobKey } from '../../store';
import type { App } from '../typebox';
import { acceptBinaryStreams, BinaryBody } from '../binaryBody';

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
      if (!object) throw coordinatorError('BlobNotFound', `no blob ${hash}`);
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
      if (!(request.body instanceof Readable)) throw coordinatorError('UnsupportedMediaType', 'send the blob as application/octet-stream');
      const expected = normalise(request.params.sha256);
      const key = blobKey(expected);
      const limit = app.config.uploads.maxBlobBytes;
      const declared = Number(request.headers['content-length'] ?? NaN);
      if (declared > limit) {
        reply.header('connection', 'close');
        throw coordinatorError('UploadTooLarge', `blob of ${declared} bytes exceeds the limit of ${limit}`);
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
          throw coordinatorError('BlobHashMismatch', `body hashes to ${staged.sha256}, not ${expected} as the path says`);
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
}
