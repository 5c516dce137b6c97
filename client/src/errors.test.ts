import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorRegistryProblems } from '@cloister/protocol';
import * as errors from './errors';

describe('client error registry', () => {
  it('codes are unique, prefixed and listed in the README; one class per code, named after itself', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const codes = Object.values(errors.CLIENT_ERROR_CODES);
    const classes = { exports: errors, Base: errors.ClientError };
    expect(errorRegistryProblems({ codes, readme, pattern: /^CLOISTER_ERR_CLIENT_[A-Z_]+$/, classes })).toEqual([]);
  });
});
