import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { getAddress } from 'ethers';
import { formatSignInMessage, parseSignInMessage, recoverMessageSigner, signInTimeProblem } from '@cloister/protocol';
import type { CoordinatorConfig } from '../config';
import { AggregatorAuthInvalidError, AuthRequiredError, BlobAuthInvalidError, NonceInvalidError, SessionInvalidError, SignInMessageInvalidError, SignInSignatureInvalidError } from '../errors';
import { AGGREGATOR_SIGNATURE_HEADER, AGGREGATOR_TIMESTAMP_HEADER, createAggregatorVerifier } from '../auth/aggregatorAuth';
import { issueSessionToken, verifySessionToken } from '../auth/session';
import { SIGN_IN_STATEMENT } from '../auth/siwe';

/** Clock tolerance between the coordinator and a participant's wallet for the sign-in message's times. */
const SIGN_IN_SKEW_MS = 60_000;

const digestOf = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The address as EIP-55 writes it (the coordinator issues only such messages). */
function isChecksummed(address: string): boolean {
  try {
    return getAddress(address) === address;
  } catch {
    return false;
  }
}

/** What the coordinator keeps per issued nonce: whose it is and the digest of the exact text it issued. */
type IssuedNonce = { address: string; digest: string };

export type Auth = {
  /** Issues an EIP-4361 message with a fresh single-use nonce (stored in Redis with a TTL). */
  createSignInMessage(address: string): Promise<string>;
  /** Checks message + signature, consumes the nonce, returns a session token. */
  verifySignIn(message: string, signature: string): Promise<{ token: string; expiresAt: number; address: string }>;
  /** The session's address from `Authorization: Bearer`, or a 401 error. */
  participantOf(request: FastifyRequest): string;
  /** Passes for the operator token or a valid aggregator signature, else 401. */
  requireOperatorOrAggregator(request: FastifyRequest): Promise<'operator' | 'aggregator'>;
  requireAggregator(request: FastifyRequest): Promise<void>;
};

declare module 'fastify' {
  interface FastifyInstance {
    auth: Auth;
  }
}

function bearer(request: FastifyRequest): string | null {
  const h = request.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1]! : null;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export default fp<{ config: CoordinatorConfig }>(
  async (app, { config }) => {
    const cfg = config.auth;
    const uri = config.publicUrl ?? `http://${cfg.domain}`;
    // aggregatorSigner() is read through a short-lived shared cache (AGGREGATOR_SIGNER_TTL_MS); see createAggregatorVerifier.
    const verifyAggregator = createAggregatorVerifier({ signer: () => app.chain.aggregatorSigner(), maxSkewMs: cfg.aggregatorMaxSkewMs });

    function checkAggregator(request: FastifyRequest): Promise<string | null> {
      const ts = request.headers[AGGREGATOR_TIMESTAMP_HEADER];
      const sig = request.headers[AGGREGATOR_SIGNATURE_HEADER];
      return verifyAggregator({
        method: request.method,
        path: request.url.split('?')[0]!,
        timestamp: typeof ts === 'string' ? ts : undefined,
        signature: typeof sig === 'string' ? sig : undefined,
      });
    }

    const auth: Auth = {
      async createSignInMessage(address) {
        const nonce = randomBytes(16).toString('hex');
        const now = new Date();
        const message = formatSignInMessage({
          domain: cfg.domain,
          address: getAddress(address),
          statement: SIGN_IN_STATEMENT,
          uri,
          chainId: app.chain.chainId,
          nonce,
          issuedAt: now.toISOString(),
          expirationTime: new Date(now.getTime() + cfg.nonceTtlSeconds * 1000).toISOString(),
        });
        const issued: IssuedNonce = { address: getAddress(address), digest: digestOf(message) };
        await app.redis.set(app.rkey('nonce', nonce), JSON.stringify(issued), 'EX', cfg.nonceTtlSeconds);
        return message;
      },

      async verifySignIn(message, signature) {
        const parsed = parseSignInMessage(message);
        if (!parsed || parsed.domain !== cfg.domain || parsed.chainId !== app.chain.chainId || parsed.uri !== uri || !isChecksummed(parsed.address)) {
          throw new SignInMessageInvalidError('sign-in message is not one this coordinator issued: POST /v1/auth/nonce and sign the returned message unchanged');
        }
        let recovered: string;
        try {
          recovered = recoverMessageSigner(message, signature);
        } catch {
          throw new SignInSignatureInvalidError('signature does not parse as an EIP-191 signature');
        }
        if (recovered !== parsed.address) {
          throw new SignInSignatureInvalidError(`signature recovers to ${recovered}, not ${parsed.address}`);
        }
        const timeProblem = signInTimeProblem(parsed, Date.now(), cfg.nonceTtlSeconds * 1000, SIGN_IN_SKEW_MS);
        if (timeProblem) throw new SignInMessageInvalidError(`${timeProblem}: POST /v1/auth/nonce for a new message`);
        // Single use: GETDEL consumes the nonce atomically, so a replay finds nothing.
        const raw = await app.redis.getdel(app.rkey('nonce', parsed.nonce));
        let issued: IssuedNonce | null = null;
        try {
          issued = raw ? (JSON.parse(raw) as IssuedNonce) : null;
        } catch {
          issued = null;
        }
        if (!issued || issued.address !== parsed.address) {
          throw new NonceInvalidError('nonce unknown, expired or already used: request a new message');
        }
        // The signed text must be the issued text, byte for byte (an edited statement, Issued At or Expiration Time
        // parses just as well).
        if (issued.digest !== digestOf(message)) {
          throw new SignInMessageInvalidError('the signed message differs from the one issued for this nonce: sign the returned message unchanged');
        }
        const { token, expiresAt } = issueSessionToken(cfg.sessionSecret, parsed.address, cfg.sessionTtlSeconds);
        return { token, expiresAt, address: parsed.address };
      },

      participantOf(request) {
        const token = bearer(request);
        if (!token) throw new AuthRequiredError('missing Authorization: Bearer <token>: sign in via /v1/auth/nonce and /v1/auth/verify');
        const address = verifySessionToken(cfg.sessionSecret, token);
        if (!address) throw new SessionInvalidError('session token invalid or expired: sign in again');
        return address;
      },

      async requireOperatorOrAggregator(request) {
        const token = bearer(request);
        if (token && cfg.operatorToken && safeEqual(token, cfg.operatorToken)) return 'operator';
        const problem = await checkAggregator(request);
        if (problem === null) return 'aggregator';
        throw new BlobAuthInvalidError(`blob upload needs the operator token or aggregator signature (${problem})`);
      },

      async requireAggregator(request) {
        const problem = await checkAggregator(request);
        if (problem !== null) throw new AggregatorAuthInvalidError(`aggregator authentication failed: ${problem}`);
      },
    };
    app.decorate('auth', auth);
  },
  { name: 'cloister-auth', dependencies: ['cloister-redis', 'cloister-chain'] },
);
