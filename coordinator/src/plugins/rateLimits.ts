import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { CoordinatorConfig } from '../config';
import { RateLimitedError } from '../errors';

/**
 * The rate limit of `POST /v1/auth/nonce` (`@fastify/rate-limit`, per coordinator instance): keyed by the account
 * in the body, so a thousand participants behind one address (a hospital's NAT, a simulation) each have their own
 * budget; a request without an account falls back to the address it came from. Over the limit: 429
 * CLOISTER_ERR_RATE_LIMITED with Retry-After.
 */
export function accountOrAddress(request: FastifyRequest): string {
  const account = (request.body as { address?: unknown } | undefined)?.address;
  return typeof account === 'string' ? `account:${account.toLowerCase()}` : `ip:${request.ip}`;
}

export default fp<{ limits: CoordinatorConfig['rateLimits'] }>(
  async (app) => {
    await app.register(rateLimit, {
      global: false,
      // A limit reached is the client's doing, never an outage: the coded 429 leaves through the errors plugin.
      errorResponseBuilder: (_request, context) =>
        new RateLimitedError(`too many requests for this account: at most ${context.max} per window, retry in ${context.after}`),
    });
  },
  { name: 'cloister-rate-limits', dependencies: ['cloister-errors'] },
);
