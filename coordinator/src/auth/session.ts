import { createHmac, timingSafeEqual } from 'node:crypto';
import { getAddress } from 'ethers';

/** A session token: base64url(JSON claims) "." base64url(HMAC-SHA256(secret, claims part)). */
export type SessionClaims = { sub: string; iat: number; exp: number };

function mac(secret: string, body: string): Buffer {
  return createHmac('sha256', secret).update(`cloister-session.${body}`).digest();
}

export function issueSessionToken(secret: string, address: string, ttlSeconds: number, nowMs = Date.now()): { token: string; expiresAt: number } {
  const iat = Math.floor(nowMs / 1000);
  const claims: SessionClaims = { sub: getAddress(address), iat, exp: iat + ttlSeconds };
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { token: `${body}.${mac(secret, body).toString('base64url')}`, expiresAt: claims.exp * 1000 };
}

/** Unpadded base64url that decodes and re-encodes to itself (Node's decoder skips stray and trailing characters). */
function canonicalBase64Url(text: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
}

/**
 * The checksummed address of a valid, unexpired token; null otherwise (forged, malformed, non-canonical or
 * expired). Only the exact bytes issued validate: a token with characters appended or changed is refused even where
 * Node's lenient base64url decoder would read the same bytes.
 */
export function verifySessionToken(secret: string, token: string, nowMs = Date.now()): string | null {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
  const [body, sig] = parts as [string, string];
  if (!canonicalBase64Url(body) || !canonicalBase64Url(sig)) return null;
  const expected = mac(secret, body);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let claims: SessionClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionClaims;
  } catch {
    return null;
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs || typeof claims.sub !== 'string') return null;
  try {
    return getAddress(claims.sub);
  } catch {
    return null;
  }
}
