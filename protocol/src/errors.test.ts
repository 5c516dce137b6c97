import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as api from './index.js';
import {
  CloisterError,
  PROTOCOL_ERROR_CODES,
  errorDefiner,
  errorGuard,
  errorRegistryProblems,
  isCloisterError,
  registeredErrors,
} from './errors.js';

const errorClasses = Object.entries(api).filter(
  ([, value]) => typeof value === 'function' && value.prototype instanceof CloisterError,
) as [string, { code: string; new (message: string): CloisterError }][];

describe('error registry', () => {
  it('has unique codes, all prefixed CLOISTER_ERR_ and listed in protocol/README.md; one class per code, named after itself', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const classes = { exports: api, Base: CloisterError };
    expect(errorRegistryProblems({ codes: Object.values(PROTOCOL_ERROR_CODES), readme, classes })).toEqual([]);
  });

  it('gives each class its code as a static, and isCloisterError knows it', () => {
    for (const [, cls] of errorClasses) {
      const error = new cls('boom');
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(cls.code);
      expect(isCloisterError(error, cls.code)).toBe(true);
    }
  });

  it('reports what is wrong with a registry', () => {
    const problems = errorRegistryProblems({
      codes: ['CLOISTER_ERR_A', 'CLOISTER_ERR_A', 'bad'],
      readme: '`CLOISTER_ERR_A`',
      classes: { exports: { EnvelopeTamperedError: api.EnvelopeTamperedError }, Base: CloisterError },
    });
    expect(problems).toEqual([
      'CLOISTER_ERR_A is in the table twice',
      'bad does not match /^CLOISTER_ERR_[A-Z0-9_]+$/',
      'bad is not listed in the README',
      'EnvelopeTamperedError carries CLOISTER_ERR_ENVELOPE_TAMPERED, which is not in the table',
      'no exported class carries CLOISTER_ERR_A',
      'no exported class carries bad',
    ]);
  });

  it('keeps details and the cause chain', () => {
    const cause = new Error('inner');
    const error = new api.EnvelopeTamperedError('outer', { details: { index: 3 }, cause });
    expect(error.details).toEqual({ index: 3 });
    expect(error.cause).toBe(cause);
    expect(new CloisterError('CLOISTER_ERR_X', 'm').details).toBeUndefined();
  });

  it('walks the cause chain, finds a code in it, and ends on a cycle', () => {
    const root = new Error('socket reset');
    const middle = new api.EnvelopeTruncatedError('stream ended', { cause: root });
    const outer = new api.SchemaValidationError('bad upload', { cause: middle });
    expect([...outer.walk()]).toEqual([outer, middle, root]);
    expect(outer.find(PROTOCOL_ERROR_CODES.envelopeTruncated)).toBe(middle);
    expect(outer.find(PROTOCOL_ERROR_CODES.codecTruncated)).toBeUndefined();
    const a = new CloisterError('CLOISTER_ERR_A', 'a');
    const b = new CloisterError('CLOISTER_ERR_B', 'b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    expect([...b.walk()]).toEqual([b, a]);
  });

  it('points each error at its anchor in the generated reference', () => {
    expect(new api.EnvelopeTamperedError('x').reference).toBe('docs/errors.md#cloister_err_envelope_tampered');
  });

  it('registers every defined error with its package and description; a code cannot be taken twice', () => {
    const own = registeredErrors().filter((d) => d.package === 'protocol');
    expect(own.map((d) => d.code).sort()).toEqual(Object.values(PROTOCOL_ERROR_CODES).sort());
    for (const d of own) expect(d.description.length).toBeGreaterThan(10);
    class TestBase extends CloisterError {}
    const define = errorDefiner('test', TestBase);
    const Teapot = define('TeapotError', { code: 'CLOISTER_ERR_TEST_TEAPOT', description: 'a test error', statusCode: 418 });
    const error = new Teapot('short and stout', { details: { spout: 1 } });
    expect(error).toBeInstanceOf(TestBase);
    expect(error).toMatchObject({ name: 'TeapotError', code: 'CLOISTER_ERR_TEST_TEAPOT', statusCode: 418, details: { spout: 1 } });
    expect(Teapot.definition).toEqual({ package: 'test', name: 'TeapotError', code: 'CLOISTER_ERR_TEST_TEAPOT', description: 'a test error', statusCode: 418 });
    expect(() => define('OtherError', { code: 'CLOISTER_ERR_TEST_TEAPOT', description: 'again' })).toThrow(/defined twice/);
    const isTestError = errorGuard(TestBase);
    expect(isTestError(error)).toBe(true);
    expect(isTestError(error, 'CLOISTER_ERR_TEST_TEAPOT')).toBe(true);
    expect(isTestError(error, 'CLOISTER_ERR_TEST_KETTLE')).toBe(false);
    expect(isTestError(new api.EnvelopeTamperedError('x'))).toBe(false);
  });
});
