import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as api from './index.js';
import { CloisterError, PROTOCOL_ERROR_CODES, isCloisterError } from './errors.js';

const errorClasses = Object.entries(api).filter(
  ([, value]) => typeof value === 'function' && value.prototype instanceof CloisterError,
) as [string, { code: string; new (message: string): CloisterError }][];

describe('error registry', () => {
  it('has unique codes, all prefixed CLOISTER_ERR_', () => {
    const codes = Object.values(PROTOCOL_ERROR_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^CLOISTER_ERR_[A-Z0-9_]+$/);
  });

  it('has exactly one exported class per code, named after itself, carrying its code', () => {
    expect(errorClasses.map(([, cls]) => cls.code).sort()).toEqual(
      Object.values(PROTOCOL_ERROR_CODES).sort(),
    );
    for (const [name, cls] of errorClasses) {
      const error = new cls('boom');
      expect(error).toBeInstanceOf(CloisterError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
      expect(error.code).toBe(cls.code);
      expect(isCloisterError(error, cls.code)).toBe(true);
    }
  });

  it('lists every code in protocol/README.md', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    for (const code of Object.values(PROTOCOL_ERROR_CODES)) expect(readme).toContain(`\`${code}\``);
  });

  it('keeps details and the cause chain', () => {
    const cause = new Error('inner');
    const error = new api.EnvelopeTamperedError('outer', { details: { index: 3 }, cause });
    expect(error.details).toEqual({ index: 3 });
    expect(error.cause).toBe(cause);
    expect(new CloisterError('CLOISTER_ERR_X', 'm').details).toBeUndefined();
  });
});
