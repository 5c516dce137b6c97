import { Wallet } from 'ethers';
import { aggregatorAuthMessage } from '@cloister/protocol';
import { checkAggregatorSignature, createAggregatorVerifier } from './aggregatorAuth';
import { issueSessionToken, verifySessionToken } from './session';
import { setTimeout as sleep } from 'node:timers/promises';

const wallet = Wallet.createRandom();

describe('session tokens', () => {
  const secret = 'x'.repeat(32);
  it('only the exact token issued validates (faults issue item 7: lenient base64url accepted appended characters)', () => {
    const now = Date.now();
    const { token } = issueSessionToken(secret, wallet.address, 60, now);
    expect(verifySessionToken(secret, token, now)).toBe(wallet.address);
    for (const suffix of ['A', 'AA', '=', '==', '.', '!', ' ']) expect(verifySessionToken(secret, `${token}${suffix}`, now)).toBeNull();
    const [body, sig] = token.split('.') as [string, string];
    expect(verifySessionToken(secret, `${body}=.${sig}`, now)).toBeNull();
    expect(verifySessionToken(secret, `${body}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`, now)).toBeNull();
  });

  it('verify, expire and resist forgery', () => {
    const now = Date.now();
    const { token, expiresAt } = issueSessionToken(secret, wallet.address.toLowerCase(), 60, now);
    expect(expiresAt).toBe(Math.floor(now / 1000) * 1000 + 60_000);
    expect(verifySessionToken(secret, token, now)).toBe(wallet.address);
    expect(verifySessionToken(secret, token, now + 61_000)).toBeNull();
    expect(verifySessionToken('y'.repeat(32), token, now)).toBeNull();
    const [body, sig] = token.split('.') as [string, string];
    const forgedBody = Buffer.from(JSON.stringify({ sub: Wallet.createRandom().address, iat: 0, exp: 9e9 })).toString('base64url');
    expect(verifySessionToken(secret, `${forgedBody}.${sig}`, now)).toBeNull();
    expect(verifySessionToken(secret, `${body}`, now)).toBeNull();
    expect(verifySessionToken(secret, 'garbage', now)).toBeNull();
  });
});

describe('aggregator signatures', () => {
  it('accepts the signer within the skew and nothing else', async () => {
    const now = Date.now();
    const path = '/v1/tasks/1/rounds/1/updates/0x0000000000000000000000000000000000000001';
    const signature = await wallet.signMessage(aggregatorAuthMessage('GET', path, now));
    const base = { method: 'GET', path, timestamp: String(now), signature, expectedSigner: wallet.address, maxSkewMs: 60_000, nowMs: now };
    expect(checkAggregatorSignature(base)).toBeNull();
    expect(checkAggregatorSignature({ ...base, nowMs: now + 61_000 })).toMatch(/away from the server clock/);
    expect(checkAggregatorSignature({ ...base, method: 'PUT' })).toMatch(/not from the on-chain/);
    expect(checkAggregatorSignature({ ...base, expectedSigner: Wallet.createRandom().address })).toMatch(/not from the on-chain/);
    expect(checkAggregatorSignature({ ...base, signature: undefined })).toMatch(/missing/);
    expect(checkAggregatorSignature({ ...base, timestamp: 'soon' })).toMatch(/malformed/);
  });
});

describe('aggregator verifier (cached aggregatorSigner())', () => {
  const path = '/v1/tasks/1/rounds/1/updates/0x0000000000000000000000000000000000000001';
  const signed = async (w: { signMessage(m: string): Promise<string> }, ts = Date.now()) => ({ method: 'GET', path, timestamp: String(ts), signature: await w.signMessage(aggregatorAuthMessage('GET', path, ts)) });

  it('shares one chain read, honours a changed signer after the TTL, and reads nothing for bad headers', async () => {
    const a = Wallet.createRandom();
    const b = Wallet.createRandom();
    let onChain = a.address;
    let reads = 0;
    const verify = createAggregatorVerifier({ signer: async () => (reads++, onChain), maxSkewMs: 60_000, ttlMs: 150 });
    const [fromA, fromB] = await Promise.all([signed(a), signed(b)]);
    expect(await Promise.all([verify(fromA), verify(fromA), verify(fromA)])).toEqual([null, null, null]);
    expect(reads).toBe(1);
    onChain = b.address; // rotated on chain: the cached signer stands until the TTL is over
    expect(await verify(fromA)).toBeNull();
    expect(await verify(fromB)).toMatch(/not from the on-chain/);
    expect(reads).toBe(1);
    await sleep(200);
    expect(await verify(fromA)).toMatch(/not from the on-chain/);
    expect(await verify(fromB)).toBeNull();
    expect(reads).toBe(2);
    // Malformed, stale or missing headers are refused before any chain read.
    expect(await verify({ ...fromB, timestamp: 'soon' })).toMatch(/malformed/);
    expect(await verify({ ...fromB, timestamp: String(Date.now() - 61_000) })).toMatch(/away from the server clock/);
    expect(await verify({ method: 'GET', path, timestamp: undefined, signature: undefined })).toBe('no aggregator headers');
    await sleep(200);
    expect(await verify({ ...fromB, signature: '0x1234' })).toMatch(/malformed/);
    expect(reads).toBe(2);
  });

  it('keeps neither a failed read nor an unregistered (zero) signer', async () => {
    const a = Wallet.createRandom();
    const answers: Array<string | Error> = [new Error('rpc down'), `0x${'0'.repeat(40)}`, a.address];
    let reads = 0;
    const verify = createAggregatorVerifier({
      signer: async () => {
        const next = answers[reads++]!;
        if (next instanceof Error) throw next;
        return next;
      },
      maxSkewMs: 60_000,
      ttlMs: 60_000,
    });
    const req = await signed(a);
    await expect(verify(req)).rejects.toThrow('rpc down');
    expect(await verify(req)).toMatch(/no aggregatorSigner\(\) registered/);
    expect(await verify(req)).toBeNull();
    expect(await verify(req)).toBeNull();
    expect(reads).toBe(3);
  });
});
