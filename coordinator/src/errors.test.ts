import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, isCoordinatorError, UploadTooLargeError } from './errors';

describe('error registry', () => {
  const entries = Object.values(ERROR_CODES);

  it('has unique, well-formed codes', () => {
    const codes = entries.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c).toMatch(/^CLOISTER_ERR_[A-Z0-9_]+$/);
  });

  it('documents every code in the README', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const { code } of entries) expect(readme).toContain(code);
  });

  it('builds coded errors with status and cause', () => {
    const cause = new Error('root');
    const e = new UploadTooLargeError('too big', { cause, details: { maxBytes: 1 } });
    expect(isCoordinatorError(e)).toBe(true);
    expect(e).toMatchObject({ code: 'CLOISTER_ERR_UPLOAD_TOO_LARGE', statusCode: 413, details: { maxBytes: 1 } });
    expect(e.cause).toBe(cause);
  });
});
