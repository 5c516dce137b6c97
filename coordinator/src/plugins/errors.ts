import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import { coordinatorError, isCoordinatorError, type CoordinatorError } from '../errors';

/** Maps any error to a coded CoordinatorError (schema failures, bad JSON, unknown content types, …). */
export function toCoordinatorError(error: unknown): CoordinatorError {
  if (isCoordinatorError(error)) return error;
  const e = error as FastifyError & { validation?: unknown };
  if (e.validation) return coordinatorError('RequestInvalid', e.message);
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return coordinatorError('MalformedJson', `malformed JSON body: ${e.message}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return coordinatorError('UnsupportedMediaType', e.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return coordinatorError('UploadTooLarge', e.message);
  }
  if (e instanceof SyntaxError && e.message.includes('JSON')) return coordinatorError('MalformedJson', `malformed JSON body: ${e.message}`);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return coordinatorError('RequestInvalid', e.message);
  }
  return coordinatorError('Internal', 'internal error', { cause: error });
}

/** Every error leaves as `{ statusCode, code, error, message }` and is counted by code. */
export default fp(
  async (app) => {
    app.setErrorHandler((error, request, reply) => {
      const coded = toCoordinatorError(error);
      if (coded.statusCode >= 500) request.log.error({ err: error, code: coded.code }, 'request: failed');
      else request.log.info({ code: coded.code, msg: coded.message }, 'request: rejected');
      app.metrics?.rejections.inc({ code: coded.code });
      const statusText: Record<number, string> = {
        400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
        413: 'Payload Too Large', 415: 'Unsupported Media Type', 500: 'Internal Server Error', 503: 'Service Unavailable',
      };
      void reply.status(coded.statusCode).send({
        statusCode: coded.statusCode,
        code: coded.code,
        error: statusText[coded.statusCode] ?? 'Error',
        message: coded.message,
      });
    });
    app.setNotFoundHandler((request, reply) => {
      const coded = coordinatorError('RouteNotFound', `no route ${request.method} ${request.url}`);
      app.metrics?.rejections.inc({ code: coded.code });
      void reply.status(404).send({ statusCode: 404, code: coded.code, error: 'Not Found', message: coded.message });
    });
  },
  { name: 'cloister-errors' },
);
