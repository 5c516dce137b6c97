import fp from 'fastify-plugin';
import { RequestInvalidError } from '../errors';

/** The largest value of each numeric route parameter: what the contracts take (uint256 task ids, uint64 rounds). */
export const PARAM_MAXIMUM: Readonly<Record<string, bigint>> = {
  taskId: (1n << 256n) - 1n,
  round: (1n << 64n) - 1n,
};

/**
 * Route parameters the schema lets through by their digits (up to 78 for a task id) but no contract call could
 * encode: answered 400 CLOISTER_ERR_REQUEST_INVALID before the handler (a task id above 2^256 − 1 gave 500).
 */
export default fp(
  async (app) => {
    app.addHook('preHandler', async (request) => {
      const params = request.params as Record<string, unknown> | undefined;
      if (!params) return;
      for (const [name, maximum] of Object.entries(PARAM_MAXIMUM)) {
        const value = params[name];
        if (typeof value === 'string' && /^[0-9]+$/.test(value) && BigInt(value) > maximum) {
          throw new RequestInvalidError(`params/${name} must be at most ${maximum} (got ${value.length} digits)`);
        }
      }
    });
  },
  { name: 'cloister-param-ranges' },
);
