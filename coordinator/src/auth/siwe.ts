import { getAddress } from 'ethers';

/** The fields of the EIP-4361 message the coordinator issues. */
export type SignInMessage = {
  domain: string;
  address: string;
  statement: string;
  uri: string;
  chainId: bigint;
  nonce: string;
  issuedAt: string;
  expirationTime: string;
};

export const SIGN_IN_STATEMENT = 'Sign in to the Cloister coordinator to upload federated-learning updates.';

/** Formats an EIP-4361 message (the exact layout wallets display). */
export function formatSignInMessage(m: SignInMessage): string {
  return [
    `${m.domain} wants you to sign in with your Ethereum account:`,
    m.address,
    '',
    m.statement,
    '',
    `URI: ${m.uri}`,
    'Version: 1',
    `Chain ID: ${m.chainId}`,
    `Nonce: ${m.nonce}`,
    `Issued At: ${m.issuedAt}`,
    `Expiration Time: ${m.expirationTime}`,
  ].join('\n');
}

const MESSAGE = new RegExp(
  [
    '^(?<domain>[^\\s]+) wants you to sign in with your Ethereum account:',
    '(?<address>0x[0-9a-fA-F]{40})',
    '',
    '(?<statement>[^\\n]*)',
    '',
    'URI: (?<uri>[^\\n]+)',
    'Version: 1',
    'Chain ID: (?<chainId>[0-9]+)',
    'Nonce: (?<nonce>[0-9a-zA-Z]{8,64})',
    'Issued At: (?<issuedAt>[^\\n]+)',
    'Expiration Time: (?<expirationTime>[^\\n]+)$',
  ].join('\\n'),
);

/** Parses a message produced by `formatSignInMessage`; null when it does not have that shape. */
export function parseSignInMessage(text: string): SignInMessage | null {
  const m = MESSAGE.exec(text);
  if (!m?.groups) return null;
  const g = m.groups as Record<string, string>;
  let address: string;
  try {
    address = getAddress(g.address!);
  } catch {
    return null;
  }
  return {
    domain: g.domain!,
    address,
    statement: g.statement!,
    uri: g.uri!,
    chainId: BigInt(g.chainId!),
    nonce: g.nonce!,
    issuedAt: g.issuedAt!,
    expirationTime: g.expirationTime!,
  };
}

/**
 * The time checks of a sign-in message at `nowMs`: not expired, not before its `Not Before` (when one is given),
 * and issued neither in the future nor longer ago than `maxAgeMs` (both with `skewMs` of clock tolerance). Returns
 * the problem, or null when the times hold.
 */
export function signInTimeProblem(m: Pick<SignInMessage, 'issuedAt' | 'expirationTime'> & { notBefore?: string }, nowMs: number, maxAgeMs: number, skewMs: number): string | null {
  const issued = Date.parse(m.issuedAt);
  const expires = Date.parse(m.expirationTime);
  if (!Number.isFinite(issued) || !Number.isFinite(expires)) return 'Issued At / Expiration Time are not RFC 3339 times';
  if (expires <= nowMs - skewMs) return `the message expired at ${m.expirationTime}`;
  if (m.notBefore !== undefined) {
    const notBefore = Date.parse(m.notBefore);
    if (!Number.isFinite(notBefore) || notBefore > nowMs + skewMs) return `the message is not valid before ${m.notBefore}`;
  }
  if (issued > nowMs + skewMs) return `the message was issued in the future (${m.issuedAt})`;
  if (issued < nowMs - maxAgeMs - skewMs) return `the message was issued too long ago (${m.issuedAt})`;
  if (expires <= issued) return 'the message expires before it was issued';
  return null;
}
