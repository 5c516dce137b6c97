import Fastify from 'fastify';
import pino from 'pino';
import { NotAdmittedError } from '../errors';
import errorsPlugin, { toCoordinatorError } from './errors';

describe('toCoordinatorError', () => {
  it('keeps coded errors and maps fastify errors to codes', () => {
    const own = new NotAdmittedError('no');
    expect(toCoordinatorError(own)).toBe(own);
    expect(toCoordinatorError(Object.assign(new Error('body/x must be string'), { validation: [{}], statusCode: 400 }))).toMatchObject({ code: 'CLOISTER_ERR_REQUEST_INVALID', statusCode: 400 });
    expect(toCoordinatorError(Object.assign(new Error('bad json'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }))).toMatchObject({ code: 'CLOISTER_ERR_MALFORMED_JSON' });
    expect(toCoordinatorError(Object.assign(new Error('nope'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }))).toMatchObject({ code: 'CLOISTER_ERR_UNSUPPORTED_MEDIA_TYPE', statusCode: 415 });
    expect(toCoordinatorError(Object.assign(new Error('big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }))).toMatchObject({ code: 'CLOISTER_ERR_UPLOAD_TOO_LARGE', statusCode: 413 });
    const internal = toCoordinatorError(new TypeError('x is undefined'));
    expect(internal).toMatchObject({ code: 'CLOISTER_ERR_INTERNAL', statusCode: 500, message: 'internal error' });
  });
});

describe('the errors plugin: outages and aborted requests (faults issue items 3 and 7)', () => {
  async function appWith(thrown: () => unknown) {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const app = Fastify({ loggerInstance: logger });
    await app.register(errorsPlugin, { retryAfterSeconds: 7 });
    app.get('/x', async () => {
      throw thrown();
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    // fastify's inject (light-my-request) loads an ESM-only dependency jest cannot require: a real request instead.
    const get = async () => {
      const res = await fetch(`${url}/x`);
      return { statusCode: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
    };
    return { app, lines, get };
  }

  it('a Redis that does not answer is 503 CLOISTER_ERR_REDIS_UNAVAILABLE with Retry-After, not a 500', async () => {
    const { app, get } = await appWith(() => Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' }));
    const res = await get();
    expect(res.statusCode).toBe(503);
    expect(res.retryAfter).toBe('7');
    expect(res.body).toMatchObject({ code: 'CLOISTER_ERR_REDIS_UNAVAILABLE' });
    expect(toCoordinatorError(new Error('Command timed out'))).toMatchObject({ code: 'CLOISTER_ERR_REDIS_UNAVAILABLE', statusCode: 503 });
    await app.close();
  });

  it('a client that reset the connection is logged as an aborted request, without an error or a stack', async () => {
    const { app, lines, get } = await appWith(() => Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    expect((await get()).body).toMatchObject({ code: 'CLOISTER_ERR_REQUEST_ABORTED' });
    expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(lines.find((l) => l.msg === 'request: aborted by the client')).toMatchObject({ level: 30, code: 'ECONNRESET' });
    await app.close();
  });
});
