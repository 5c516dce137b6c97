import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloisterError } from '@cloister/protocol';
import * as errors from './errors';

describe('client error registry', () => {
  const codes = Object.values(errors.CLIENT_ERROR_CODES);

  it('codes are unique, prefixed and listed in the README', () => {
    expect(new Set(codes).size).toBe(codes.length);
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const code of codes) {
      expect(code).toMatch(/^CLOISTER_ERR_CLIENT_[A-Z_]+$/);
      expect(readme).toContain(`\`${code}\``);
    }
  });

  it('every error class is a CloisterError with a registered code', () => {
    type ErrorClass = (new (m: string, o: { details: Record<string, unknown> }) => errors.ClientError) & { name: string };
    const classes = (Object.values(errors) as unknown[]).filter(
      (v) => typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof errors.ClientError,
    ) as ErrorClass[];
    expect(classes.length).toBe(codes.length);
    const seen = new Set<string>();
    for (const Cls of classes) {
      const e = new Cls('m', { details: { file: 'f', line: 1, expected: 'a', actual: 'b', statusCode: 400 } });
      expect(e).toBeInstanceOf(CloisterError);
      expect(codes).toContain(e.code);
      expect(e.name).toBe(Cls.name);
      seen.add(e.code);
    }
    expect(seen.size).toBe(codes.length);
  });
});
