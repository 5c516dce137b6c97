import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { errorDefiner } from '../errors.js';
import { defineConfig, fromEnv, loadConfig, redactConfig, summarizeConfig } from './loadConfig.js';

const TestConfigInvalid = errorDefiner('test')('TestConfigInvalidError', {
  code: 'CLOISTER_ERR_TEST_CONFIG_INVALID',
  description: 'test',
});

const definition = defineConfig({
  what: 'test service',
  invalid: TestConfigInvalid,
  secretKeys: ['token'],
  schema: Type.Object({
    port: fromEnv('CLOISTER_TEST_PORT', Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }), 'port'),
    verbose: fromEnv('CLOISTER_TEST_VERBOSE', Type.Boolean({ default: false }), 'verbose'),
    redis: Type.Object({ url: fromEnv('CLOISTER_TEST_REDIS_URL', Type.String({ pattern: '^redis://' }), 'redis') }),
    token: fromEnv('CLOISTER_TEST_KEY', Type.Optional(Type.String({ minLength: 8 })), 'a secret', { secret: true }),
    store: Type.Union(
      [
        Type.Object({ kind: fromEnv('CLOISTER_TEST_STORE', Type.Literal('filesystem'), 'store kind'), directory: Type.String() }),
        Type.Object({
          kind: fromEnv('CLOISTER_TEST_STORE', Type.Literal('s3'), 'store kind'),
          bucket: fromEnv('CLOISTER_TEST_BUCKET', Type.String(), 'bucket'),
        }),
      ],
      { default: { kind: 'filesystem', directory: '/tmp/x' } },
    ),
  }),
  rules: (config) => (config.verbose && config.port === 1 ? ['verbose needs a real port'] : []),
});

describe('loadConfig', () => {
  it('layers defaults ← file ← environment ← overrides, typed by the schema', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloister-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ port: 1000, redis: { url: 'redis://file' } }));
    const c = loadConfig(definition, {
      env: { CLOISTER_CONFIG: file, CLOISTER_TEST_PORT: '2000', CLOISTER_TEST_VERBOSE: 'true' },
      overrides: { redis: { url: 'redis://override' } },
    });
    expect(c).toEqual({ port: 2000, verbose: true, redis: { url: 'redis://override' }, store: { kind: 'filesystem', directory: '/tmp/x' } });
  });

  it('replaces a union member when its kind changes instead of merging the two', () => {
    const c = loadConfig(definition, {
      env: { CLOISTER_TEST_REDIS_URL: 'redis://x', CLOISTER_TEST_STORE: 's3', CLOISTER_TEST_BUCKET: 'models' },
      overrides: {},
    });
    expect(c.store).toMatchObject({ kind: 's3', bucket: 'models' });
  });

  it('names the variable and every problem; never echoes a secret', () => {
    let error: unknown;
    try {
      loadConfig(definition, { env: { CLOISTER_TEST_PORT: 'eighty', CLOISTER_TEST_VERBOSE: 'yes' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TestConfigInvalid);
    expect((error as Error).message).toMatch(/CLOISTER_TEST_PORT: must be an integer/);
    expect((error as Error).message).toMatch(/CLOISTER_TEST_VERBOSE: must be true or false/);
    expect(() => loadConfig(definition, { env: { CLOISTER_TEST_REDIS_URL: 'http://x' } })).toThrow(/\/redis\/url \(CLOISTER_TEST_REDIS_URL\)/);
    expect(() => loadConfig(definition, { env: { CLOISTER_TEST_REDIS_URL: 'redis://x', CLOISTER_TEST_KEY: 'short' } })).not.toThrow(/short/);
    expect(() => loadConfig(definition, { env: { CLOISTER_TEST_REDIS_URL: 'redis://x', CLOISTER_TEST_PORT: '1', CLOISTER_TEST_VERBOSE: '1' } })).toThrow(/verbose needs a real port/);
    expect(() => loadConfig(definition, { env: {}, file: '/nonexistent/c.json' })).toThrow(/cannot read the test service config file/);
  });

  it('says which values a choice allows, and one problem per setting', () => {
    const choices = defineConfig({
      what: 'test command',
      invalid: TestConfigInvalid,
      schema: Type.Object({
        level: fromEnv('CLOISTER_TEST_LEVEL', Type.Union([Type.Literal('warn'), Type.Literal('info')], { default: 'info' }), 'level'),
        name: fromEnv('CLOISTER_TEST_NAME', Type.String(), 'name'),
      }),
    });
    let error: unknown;
    try {
      loadConfig(choices, { env: { CLOISTER_TEST_LEVEL: 'loud' } });
    } catch (e) {
      error = e;
    }
    const lines = (error as Error).message.split('\n').slice(1).map((l) => l.trim());
    expect(lines.sort()).toEqual(['/level (CLOISTER_TEST_LEVEL): must be one of warn, info', '/name (CLOISTER_TEST_NAME): Expected required property']);
  });

  it('redacts secrets and URL passwords in the summary', () => {
    const c = loadConfig(definition, { env: { CLOISTER_TEST_REDIS_URL: 'redis://:hunter2@db:6379', CLOISTER_TEST_KEY: 'sekret-token' } });
    expect(redactConfig(definition, c)).toMatchObject({ token: '[redacted]', redis: { url: 'redis://[redacted]@db:6379' } });
    const summary = summarizeConfig(definition, c);
    expect(summary).not.toMatch(/hunter2|sekret/);
    expect(summary).toMatch(/^port: 8080$/m);
  });

  it('refuses a variable that is not CLOISTER_*', () => {
    const schema = Type.Object({ url: fromEnv('REDIS_URL' as `CLOISTER_${string}`, Type.String(), 'x') });
    expect(() => defineConfig({ what: 'test service', invalid: TestConfigInvalid, schema })).toThrow(/must be CLOISTER_/);
  });

  it('derives the table of variables from the settings that name one, in schema order', () => {
    expect(definition.variables).toEqual([
      { name: 'CLOISTER_TEST_PORT', path: ['port'], description: 'port' },
      { name: 'CLOISTER_TEST_VERBOSE', path: ['verbose'], description: 'verbose' },
      { name: 'CLOISTER_TEST_REDIS_URL', path: ['redis', 'url'], description: 'redis' },
      { name: 'CLOISTER_TEST_KEY', path: ['token'], secret: true, description: 'a secret' },
      { name: 'CLOISTER_TEST_STORE', path: ['store', 'kind'], description: 'store kind' },
      { name: 'CLOISTER_TEST_BUCKET', path: ['store', 'bucket'], description: 'bucket' },
    ]);
    const twice = Type.Object({ a: fromEnv('CLOISTER_TEST_X', Type.String(), 'x'), b: fromEnv('CLOISTER_TEST_X', Type.String(), 'x') });
    expect(() => defineConfig({ what: 'test service', invalid: TestConfigInvalid, schema: twice })).toThrow(/CLOISTER_TEST_X sets both a and b/);
  });
});
