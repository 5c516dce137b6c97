// The error registry (codes unique, listed in README.md, one class each) is checked with every package's in
// cli/src/docs/errorReference.test.ts.
import { isCoordinatorError, UploadTooLargeError } from './errors';

describe('coordinator errors', () => {
  it('builds coded errors with status and cause', () => {
    const cause = new Error('root');
    const e = new UploadTooLargeError('too big', { cause, details: { maxBytes: 1 } });
    expect(isCoordinatorError(e)).toBe(true);
    expect(e).toMatchObject({ code: 'CLOISTER_ERR_UPLOAD_TOO_LARGE', statusCode: 413, details: { maxBytes: 1 } });
    expect(e.cause).toBe(cause);
  });
});
