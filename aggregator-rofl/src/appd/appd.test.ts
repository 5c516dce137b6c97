import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode as cborEncode } from 'cbor-x';
import { Interface } from 'ethers';
import pino from 'pino';
import { deriveDevelopmentKey, startDevelopmentAppd, type DevelopmentAppd } from '@cloister/development-appd';
import { AppdTxFailedError, AppdUnavailableError } from '../errors';
import { EXAMPLE_ROFL_APP_ID } from '@cloister/contracts/development';
import { appIdToBytes21, bytes21ToAppId } from './appId';
import { AppdClient, decodeCallResult, decodeRevert } from './appdClient';

const APP_ID = EXAMPLE_ROFL_APP_ID;

describe('app id codec', () => {
  it('decodes and encodes the documented example', () => {
    expect(appIdToBytes21(APP_ID)).toBe('0x0026534db2efb2a0ccd75aecbde70c7084f201c680');
    expect(bytes21ToAppId('0x0026534db2efb2a0ccd75aecbde70c7084f201c680')).toBe(APP_ID);
    expect(() => appIdToBytes21(APP_ID.replace(/f$/, 'g'))).toThrow(expect.objectContaining({ code: 'CLOISTER_ERR_AGG_CONFIG_INVALID' }));
    expect(() => bytes21ToAppId('0x1234')).toThrow(expect.objectContaining({ code: 'CLOISTER_ERR_AGG_CONFIG_INVALID' }));
  });
});

describe('CallResult decoding', () => {
  it('decodes the documented {ok: h""} and a fail with a custom-error revert', () => {
    expect(decodeCallResult('a1626f6b40')).toEqual({ ok: new Uint8Array() });
    const iface = new Interface(['error TaskManagerRoundNotClosed(uint256 taskId, uint64 round)']);
    const data = iface.encodeErrorResult('TaskManagerRoundNotClosed', [3n, 2n]);
    const message = `reverted: ${Buffer.from(data.slice(2), 'hex').toString('base64')}`;
    const hex = Buffer.from(cborEncode({ fail: { module: 'evm', code: 8, message } })).toString('hex');
    expect(decodeCallResult(hex)).toEqual({ fail: { module: 'evm', code: 8, message } });
    expect(decodeRevert(message, [iface])).toEqual({ data, name: 'TaskManagerRoundNotClosed', args: ['3', '2'] });
  });
});

describe('AppdClient against the development appd', () => {
  let dir: string;
  let appd: DevelopmentAppd;
  let client: AppdClient;
  const secret = Buffer.alloc(32, 7);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'appd-'));
    appd = await startDevelopmentAppd({
      socketPath: path.join(dir, 'appd.sock'),
      appId: APP_ID,
      secret,
      rpcUrl: 'http://127.0.0.1:9', // nothing listens: sign-submit must surface the failure
      logger: pino({ level: 'silent' }),
    });
    client = new AppdClient({ socketPath: appd.socketPath });
  });

  afterAll(async () => {
    await client.close();
    await appd.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app id', async () => {
    expect(await client.appId()).toBe(APP_ID);
  });

  it('derives deterministic keys per key id and kind', async () => {
    const a = await client.generateKey('cloister/hpke-x25519/v1', 'raw-256');
    const b = await client.generateKey('cloister/hpke-x25519/v1', 'raw-256');
    const c = await client.generateKey('cloister/aggregator-signer/v1', 'secp256k1');
    expect(a).toHaveLength(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
    expect(Buffer.from(c).equals(Buffer.from(deriveDevelopmentKey(secret, APP_ID, 'cloister/aggregator-signer/v1', 'secp256k1')))).toBe(true);
    expect(await client.generateKey('k', 'raw-384')).toHaveLength(48);
  });

  it('stores and returns metadata', async () => {
    await client.setMetadata({ 'net.oasis.app.hpke': 'abc' });
    expect(await client.getMetadata()).toEqual({ 'net.oasis.app.hpke': 'abc' });
  });

  it('turns a failed sign-submit into AppdTxFailedError', async () => {
    await expect(client.signSubmit({ to: '0x' + '11'.repeat(20), data: '0x' })).rejects.toBeInstanceOf(AppdTxFailedError);
  });

  it('reports an unreachable socket as AppdUnavailableError', async () => {
    const missing = new AppdClient({ socketPath: path.join(dir, 'missing.sock') });
    await expect(missing.appId()).rejects.toBeInstanceOf(AppdUnavailableError);
    await missing.close();
  });
});
