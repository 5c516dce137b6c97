import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorRegistryProblems } from '@cloister/protocol';
import * as errors from './errors';

describe('model runtime error registry', () => {
  it('codes are unique, prefixed and listed in the README; every class carries its own', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const codes = Object.values(errors.MODEL_RUNTIME_ERROR_CODES);
    const classes = { exports: errors, Base: errors.ModelRuntimeError };
    expect(errorRegistryProblems({ codes, readme, pattern: /^CLOISTER_ERR_RUNTIME_[A-Z_]+$/, classes })).toEqual([]);
  });
});
