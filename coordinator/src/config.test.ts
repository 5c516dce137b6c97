import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, redactConfig, summarizeConfig, uploadLimitFor, validateConfig } from './config';

const SECRET = 's'.repeat(40);
const ADDR = { taskManager: `0x${'1'.repeat(40)}`, participants: `0x${'2'.repeat(40)}`, aggregatorRegistry: `0x${'3'.repeat(40)}` };
const minimal = { chain: { rpcUrl: 'http://127.0.0.1:8545', contracts: ADDR }, auth: { sessionSecret: SECRET } };

describe('config', () => {
  it('fills defaults around a minimal object', () => {
    const c = loadConfig(minimal, { env: {} });
    expect(c.port).toBe(8080);
    expect(c.store.kind).toBe('filesystem');
    expect(c.uploads.maxBytes).toBe(256 * 1024 * 1024);
    expect(c.chain.confirmations).toBe(1);
    expect(c.redis.keyPrefix).toBe('cloister:');
  });

  it('layers file < env < overrides', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
    const file = path.join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ ...minimal, port: 1000, logLevel: 'warn' }));
    const c = loadConfig({ logLevel: 'error' }, { file, env: { CLOISTER_PORT: '2000', CLOISTER_REDIS_URL: 'redis://10.0.0.1:6380' } });
    expect(c.port).toBe(2000);
    expect(c.logLevel).toBe('error');
    expect(c.redis.url).toBe('redis://10.0.0.1:6380');
  });

  it('selects the S3 store from the environment and validates its fields', () => {
    const c = loadConfig(minimal, {
      env: { CLOISTER_STORE: 's3', CLOISTER_S3_BUCKET: 'models', CLOISTER_S3_ENDPOINT: 'http://minio:9000', CLOISTER_STORE_DIR: '/tmp/stage' },
    });
    expect(c.store).toMatchObject({ kind: 's3', bucket: 'models', endpoint: 'http://minio:9000', region: 'us-east-1', stagingDirectory: '/tmp/stage' });
    expect(() => loadConfig(minimal, { env: { CLOISTER_STORE: 's3' } })).toThrow(/CLOISTER_ERR_CONFIG_INVALID|invalid coordinator configuration/);
  });

  it('rejects bad values with every problem listed and a code', () => {
    try {
      loadConfig({ ...minimal, port: 70000, auth: { sessionSecret: 'short' } }, { env: {} });
      throw new Error('expected a failure');
    } catch (error) {
      const e = error as { code: string; message: string };
      expect(e.code).toBe('CLOISTER_ERR_CONFIG_INVALID');
      expect(e.message).toMatch(/\/port/);
      expect(e.message).toMatch(/\/auth\/sessionSecret/);
    }
    expect(() => validateConfig({ chain: { rpcUrl: 'http://x' }, auth: { sessionSecret: SECRET } })).toThrow(/deploymentFile or chain.contracts/);
    expect(() => loadConfig({}, { env: {}, file: '/nonexistent/c.json' })).toThrow(/cannot read the coordinator config file/);
  });

  it('redacts secrets in the summary', () => {
    const c = loadConfig(
      { ...minimal, redis: { url: 'redis://user:pw@host:6379' }, auth: { sessionSecret: SECRET, operatorToken: 'op-token-0123456789' }, chain: { ...minimal.chain, operatorPrivateKey: `0x${'ab'.repeat(32)}` } },
      { env: {} },
    );
    const text = summarizeConfig(c);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('op-token-0123456789');
    expect(text).not.toContain('ab'.repeat(32));
    expect(text).not.toContain('pw@');
    expect(redactConfig(c).auth).toMatchObject({ sessionSecret: '[redacted]' });
  });

  it('gives per-task upload limits', () => {
    const c = loadConfig({ ...minimal, uploads: { maxBytes: 100, maxBytesPerTask: { '7': 5 } } }, { env: {} });
    expect(uploadLimitFor(c, 7n)).toBe(5);
    expect(uploadLimitFor(c, 8n)).toBe(100);
  });
});
