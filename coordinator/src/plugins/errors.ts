import fp from 'fastify-plugin';
import type { FastifyError, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type CoordinatorError, InternalError, isCoordinatorError, MalformedJsonError, RedisUnavailableError, RequestAbortedError, RequestInvalidError, RouteNotFoundError, UnsupportedMediaTypeError, UploadTooLargeError } from '../errors';
import { RepeatedFailureLog } from './repeatedFailures';

/** ioredis' ways of saying Redis did not answer: a command timeout, retries spent, no connection. */
export function isRedisUnavailable(error: unknown): boolean {
  for (let e = error as { name?: string; message?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.name === 'MaxRetriesPerRequestError') return true;
    if (typeof e.message === 'string' && /^(Command timed out|Connection is closed\.?)$|Stream isn't writeable|Reached the max retries per request limit/.test(e.message)) return true;
  }
  return false;
}

/** The client went away mid-request (closed the connection, reset it): not a server fault. */
export function isClientAbort(error: unknown, request?: FastifyRequest): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (e?.code === 'ECONNRESET' || e?.code === 'ERR_STREAM_PREMATURE_CLOSE' || e?.code === 'ECONNABORTED') return true;
  if (e?.message === 'aborted' || e?.message === 'Premature close') return true;
  return request !== undefined && (request.raw.destroyed || request.raw.socket?.destroyed === true) && !request.raw.complete;
}

/** Maps any error to a coded CoordinatorError (schema failures, bad JSON, unknown content types, …). */
export function toCoordinatorError(error: unknown): CoordinatorError {
  if (isCoordinatorError(error)) return error;
  if (isRedisUnavailable(error)) return new RedisUnavailableError(`Redis did not answer: ${(error as Error).message}`, { cause: error });
  const e = error as FastifyError & { validation?: unknown };
  if (e.validation) return new RequestInvalidError(e.message);
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new MalformedJsonError(`malformed JSON body: ${e.message}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new UnsupportedMediaTypeError(e.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new UploadTooLargeError(e.message);
  }
  if (e instanceof SyntaxError && e.message.includes('JSON')) return new MalformedJsonError(`malformed JSON body: ${e.message}`);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new RequestInvalidError(e.message);
  }
  return new InternalError('internal error', { cause: error });
}

/**
 * Every error leaves as `{ statusCode, code, error, message }` and is counted by code. A 503 (Redis or the chain did
 * not answer) carries `Retry-After` and is logged as a warning without a stack, once per interval per code with a
 * count; a client that went away mid-request is logged as an aborted request, not as a server error.
 */
export default fp<{ retryAfterSeconds?: number }>(
  async (app, opts) => {
    const outages = new RepeatedFailureLog(app.log as unknown as Logger);
    app.setErrorHandler((error, request, reply) => {
      if (isClientAbort(error, request) && !isCoordinatorError(error)) {
        request.log.info({ code: (error as { code?: string }).code, msg: (error as Error).message }, 'request: aborted by the client');
        const aborted = new RequestAbortedError('the client closed the request');
        app.metrics?.rejections.inc({ code: aborted.code });
        void reply.status(aborted.statusCode).send({ statusCode: aborted.statusCode, code: aborted.code, error: 'Bad Request', message: aborted.message });
        return;
      }
      const coded = toCoordinatorError(error);
      if (coded.statusCode === 503) {
        outages.warn({ code: coded.code, msg: coded.message }, `request: dependency unavailable (${coded.code})`);
        void reply.header('retry-after', String(opts.retryAfterSeconds ?? 5));
      } else if (coded.statusCode >= 500) request.log.error({ err: error, code: coded.code }, 'request: failed');
      else request.log.info({ code: coded.code, msg: coded.message }, 'request: rejected');
      app.metrics?.rejections.inc({ code: coded.code });
      const statusText: Record<number, string> = {
        400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
        413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
      };
      void reply.status(coded.statusCode).send({
        statusCode: coded.statusCode,
        code: coded.code,
        error: statusText[coded.statusCode] ?? 'Error',
        message: coded.message,
      });
    });
    app.setNotFoundHandler((request, reply) => {
      const coded = new RouteNotFoundError(`no route ${request.method} ${request.url}`);
      app.metrics?.rejections.inc({ code: coded.code });
      void reply.status(404).send({ statusCode: 404, code: coded.code, error: 'Not Found', message: coded.message });
    });
  },
  { name: 'cloister-errors' },
);
