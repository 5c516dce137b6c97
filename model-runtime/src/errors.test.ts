import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloisterError } from '@cloister/protocol';
import * as errors from './errors';

describe('model runtime error registry', () => {
  const codes = Object.values(errors.MODEL_RUNTIME_ERROR_CODES);

  it('codes are unique, prefixed and listed in the README; every class carries its own', () => {
    expect(new Set(codes).size).toBe(codes.length);
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const code of codes) {
      expect(code).toMatch(/^CLOISTER_ERR_RUNTIME_[A-Z_]+$/);
      expect(readme).toContain(`\`${code}\``);
    }
    const classes = (Object.values(errors) as unknown[]).filter(
      (v) => typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof errors.ModelRuntimeError,
    ) as (new (m: string) => CloisterError)[];
    expect(new Set(classes.map((Cls) => new Cls('m').code))).toEqual(new Set(codes));
    for (const Cls of classes) expect(new Cls('m')).toBeInstanceOf(CloisterError);
  });
});
