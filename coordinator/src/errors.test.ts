import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errorRegistryProblems } from '@cloister/protocol';
import { ERROR_CODES, isCoordinatorError, UploadTooLargeError } from './errors';

describe('error registry', () => {
  it('has unique, well-formed codes, each documented in the README', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    expect(errorRegistryProblems({ codes: Object.values(ERROR_CODES).map((e) => e.code), readme })).toEqual([]);
  });

  it('builds coded errors with status and cause', () => {
    const cause = new Error('root');
    const e = new UploadTooLargeError('too big', { cause, details: { maxBytes: 1 } });
    expect(isCoordinatorError(e)).toBe(true);
    expect(e).toMatchObject({ code: 'CLOISTER_ERR_UPLOAD_TOO_LARGE', statusCode: 413, details: { maxBytes: 1 } });
    expect(e.cause).toBe(cause);
  });
});
