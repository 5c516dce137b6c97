// The EIP-4361 ("Sign-In with Ethereum") message, written and read in one place: the coordinator issues and checks
// one (sign-in for uploads), the contracts' and the dashboard's sign-in to SiweAuth (RewardVault's confidential views)
// write one. No imports on purpose: the dashboard bundles this file as it is (vite alias), so it stays free of Node
// and of ethers; the checksum of the address is the caller's (ethers' or viem's getAddress).
//
// The layout is the subset of EIP-4361 both readers accept: no Not Before, no Request ID, no Resources, and times in
// ISO 8601 UTC. Sapphire's SiweAuth parser takes no fractional seconds, so `signInMessageAt` writes whole seconds.

/** The fields of a sign-in message, as they appear in its text. */
export type SignInMessage = {
  domain: string;
  /** EIP-55 checksummed address. */
  address: string;
  statement: string;
  uri: string;
  chainId: bigint;
  nonce: string;
  issuedAt: string;
  expirationTime: string;
};

/** The EIP-4361 text of `m` (the exact layout wallets display). */
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

/** A time as ISO 8601 UTC in whole seconds (`2026-12-01T10:00:00Z`), as SiweAuth parses it. */
export function isoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The message a SiweAuth contract accepts for `login`: times in unix seconds (take them from the chain's latest block,
 * which is the clock the contract checks), the URI derived from the domain when the domain has no scheme.
 */
export function signInMessageAt(fields: {
  domain: string;
  address: string;
  statement: string;
  chainId: bigint | number;
  nonce: string;
  issuedAt: number;
  expiresAt: number;
}): string {
  return formatSignInMessage({
    domain: fields.domain,
    address: fields.address,
    statement: fields.statement,
    uri: fields.domain.includes('://') ? fields.domain : `http://${fields.domain}`,
    chainId: BigInt(fields.chainId),
    nonce: fields.nonce,
    issuedAt: isoSeconds(fields.issuedAt),
    expirationTime: isoSeconds(fields.expiresAt),
  });
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

/**
 * Reads a message in exactly the layout `formatSignInMessage` writes (anything else, an extra line included: null).
 * The address is returned as written: the caller checks its checksum and that the signature recovers to it.
 */
export function parseSignInMessage(text: string): SignInMessage | null {
  const m = MESSAGE.exec(text);
  if (!m?.groups) return null;
  const g = m.groups as Record<string, string>;
  return {
    domain: g.domain!,
    address: g.address!,
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
