import {
  AuthNonceBodySchema,
  AuthNonceResponseSchema,
  AuthVerifyBodySchema,
  AuthVerifyResponseSchema,
  ErrorResponseSchema,
} from '@cloister/protocol';
import type { App } from '../typebox';
import { accountOrAddress } from '../../plugins/rateLimits';

/** Sign-in: nonce message (EIP-4361) → signature → short-lived session token. */
export default async function authRoutes(app: App): Promise<void> {
  app.post(
    '/v1/auth/nonce',
    {
      schema: { tags: ['auth'], body: AuthNonceBodySchema, response: { 200: AuthNonceResponseSchema, 400: ErrorResponseSchema, 429: ErrorResponseSchema } },
      // After body validation (preHandler), so the key is the account the nonce is for.
      config: {
        rateLimit: { max: app.config.rateLimits.nonce.max, timeWindow: app.config.rateLimits.nonce.windowMs, hook: 'preHandler', keyGenerator: accountOrAddress },
      },
    },
    async (request) => ({ message: await app.auth.createSignInMessage(request.body.address) }),
  );

  app.post(
    '/v1/auth/verify',
    {
      schema: {
        tags: ['auth'],
        body: AuthVerifyBodySchema,
        response: { 200: AuthVerifyResponseSchema, 400: ErrorResponseSchema, 401: ErrorResponseSchema },
      },
    },
    async (request) => {
      const { token, expiresAt, address } = await app.auth.verifySignIn(request.body.message, request.body.signature);
      request.log.info({ address }, 'auth: signed in');
      return { token, expiresAt };
    },
  );
}
