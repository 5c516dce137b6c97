import { Wallet } from 'ethers';
import { formatSignInMessage, isoSeconds, parseSignInMessage, signInMessageAt, signInTimeProblem } from './signInMessage.js';

const wallet = Wallet.createRandom();

describe('sign-in message (EIP-4361)', () => {
  it('round-trips and rejects other shapes', () => {
    const fields = {
      domain: 'coordinator.example',
      address: wallet.address,
      statement: 'Sign in to the Cloister coordinator to upload federated-learning updates.',
      uri: 'https://coordinator.example',
      chainId: 31337n,
      nonce: 'abcdef0123456789',
      issuedAt: '2026-01-01T00:00:00.000Z',
      expirationTime: '2026-01-01T00:05:00.000Z',
    };
    const text = formatSignInMessage(fields);
    expect(text.split('\n')[0]).toBe('coordinator.example wants you to sign in with your Ethereum account:');
    expect(parseSignInMessage(text)).toEqual(fields);
    expect(parseSignInMessage(text.replace('Version: 1', 'Version: 2'))).toBeNull();
    expect(parseSignInMessage(`${text}\nextra`)).toBeNull();
    expect(parseSignInMessage(text.replace(wallet.address, '0x1234'))).toBeNull();
  });

  it('writes the SiweAuth layout: whole-second UTC times and a URI derived from a bare domain', () => {
    const text = signInMessageAt({ domain: 'localhost', address: wallet.address, statement: 'Sign in.', chainId: 23295, nonce: '0011223344556677', issuedAt: 1_800_000_000, expiresAt: 1_800_086_400 });
    expect(text).toBe(
      [
        'localhost wants you to sign in with your Ethereum account:',
        wallet.address,
        '',
        'Sign in.',
        '',
        'URI: http://localhost',
        'Version: 1',
        'Chain ID: 23295',
        'Nonce: 0011223344556677',
        'Issued At: 2027-01-15T08:00:00Z',
        'Expiration Time: 2027-01-16T08:00:00Z',
      ].join('\n'),
    );
    expect(parseSignInMessage(text)).toMatchObject({ uri: 'http://localhost', chainId: 23295n, issuedAt: isoSeconds(1_800_000_000) });
  });
});

describe('sign-in message times (faults issue item 7)', () => {
  const now = Date.parse('2026-06-01T12:00:00.000Z');
  const ok = { issuedAt: '2026-06-01T11:59:00.000Z', expirationTime: '2026-06-01T12:04:00.000Z' };
  it('accepts a fresh message and refuses expired, future, stale and not-yet-valid ones', () => {
    expect(signInTimeProblem(ok, now, 300_000, 60_000)).toBeNull();
    expect(signInTimeProblem({ ...ok, expirationTime: '2026-06-01T11:58:00.000Z' }, now, 300_000, 60_000)).toMatch(/expired/);
    expect(signInTimeProblem({ ...ok, issuedAt: '2026-06-01T12:05:00.000Z', expirationTime: '2026-06-01T12:10:00.000Z' }, now, 300_000, 60_000)).toMatch(/future/);
    expect(signInTimeProblem({ ...ok, issuedAt: '2026-06-01T11:00:00.000Z' }, now, 300_000, 60_000)).toMatch(/too long ago/);
    expect(signInTimeProblem({ ...ok, notBefore: '2026-06-01T12:30:00.000Z' }, now, 300_000, 60_000)).toMatch(/not valid before/);
    expect(signInTimeProblem({ ...ok, issuedAt: 'yesterday' }, now, 300_000, 60_000)).toMatch(/RFC 3339/);
  });
});

