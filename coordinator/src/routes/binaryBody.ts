import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { App } from './typebox';

/** Response schema of a streamed binary body (documented in OpenAPI, never serialized). */
export const BinaryBody = Type.Unsafe<Readable>({ type: 'string', format: 'binary', description: 'raw bytes (application/octet-stream)' });

/**
 * Raw bodies: `application/octet-stream` reaches the handler as the request stream itself, never buffered.
 * Registered inside the blob and update route plugins only (encapsulated).
 */
export function acceptBinaryStreams(app: App): void {
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
}
