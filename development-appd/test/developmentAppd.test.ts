import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { DEVELOPMENT_APPD_ERROR_CODES, deriveDevelopmentKey, startDevelopmentAppd } from '../src';

// The documented example ROFL app id (not an app of ours).
const APP_ID = 'rofl1qqn9xndja7e2pnxhttktmecvwzz0yqwxsquqyxdf';

function get(socketPath: string, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: url, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('development appd', () => {
  it('derives the same key for the same secret, app id, key id and kind, and another for any other', () => {
    const secret = Buffer.alloc(32, 1);
    const key = deriveDevelopmentKey(secret, APP_ID, 'k', 'raw-256');
    expect(Buffer.from(deriveDevelopmentKey(secret, APP_ID, 'k', 'raw-256')).equals(Buffer.from(key))).toBe(true);
    expect(Buffer.from(deriveDevelopmentKey(secret, APP_ID, 'other', 'raw-256')).equals(Buffer.from(key))).toBe(false);
    expect(Buffer.from(deriveDevelopmentKey(Buffer.alloc(32, 2), APP_ID, 'k', 'raw-256')).equals(Buffer.from(key))).toBe(false);
    expect(deriveDevelopmentKey(secret, APP_ID, 'k', 'raw-384')).toHaveLength(48);
  });

  it('refuses a short secret and an invalid app id with its options error', async () => {
    const base = { socketPath: '/nonexistent/appd.sock', rpcUrl: 'http://127.0.0.1:9', logger: pino({ level: 'silent' }) };
    await expect(startDevelopmentAppd({ ...base, appId: APP_ID, secret: Buffer.alloc(8) })).rejects.toMatchObject({
      code: DEVELOPMENT_APPD_ERROR_CODES.optionsInvalid,
    });
    await expect(startDevelopmentAppd({ ...base, appId: 'rofl1nope', secret: Buffer.alloc(32) })).rejects.toMatchObject({
      code: DEVELOPMENT_APPD_ERROR_CODES.optionsInvalid,
    });
  });

  it('serves its app id on the socket and removes the socket when closed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'development-appd-'));
    try {
      const appd = await startDevelopmentAppd({
        socketPath: path.join(dir, 'appd.sock'),
        appId: APP_ID,
        secret: Buffer.alloc(32, 3),
        rpcUrl: 'http://127.0.0.1:9',
        logger: pino({ level: 'silent' }),
      });
      expect(await get(appd.socketPath, '/rofl/v1/app/id')).toEqual({ status: 200, body: APP_ID });
      await appd.close();
      await expect(get(appd.socketPath, '/rofl/v1/app/id')).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
