import { coordinatorError } from '../errors';
import { toCoordinatorError } from './errors';

describe('toCoordinatorError', () => {
  it('keeps coded errors and maps fastify errors to codes', () => {
    const own = coordinatorError('NotAdmitted', 'no');
    expect(toCoordinatorError(own)).toBe(own);
    expect(toCoordinatorError(Object.assign(new Error('body/x must be string'), { validation: [{}], statusCode: 400 }))).toMatchObject({ code: 'CLOISTER_ERR_REQUEST_INVALID', statusCode: 400 });
    expect(toCoordinatorError(Object.assign(new Error('bad json'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }))).toMatchObject({ code: 'CLOISTER_ERR_MALFORMED_JSON' });
    expect(toCoordinatorError(Object.assign(new Error('nope'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }))).toMatchObject({ code: 'CLOISTER_ERR_UNSUPPORTED_MEDIA_TYPE', statusCode: 415 });
    expect(toCoordinatorError(Object.assign(new Error('big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }))).toMatchObject({ code: 'CLOISTER_ERR_UPLOAD_TOO_LARGE', statusCode: 413 });
    const internal = toCoordinatorError(new TypeError('x is undefined'));
    expect(internal).toMatchObject({ code: 'CLOISTER_ERR_INTERNAL', statusCode: 500, message: 'internal error' });
  });
});
