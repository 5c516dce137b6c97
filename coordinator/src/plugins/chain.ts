import fp from 'fastify-plugin';
import type { ChainClient } from '../chain/types';

declare module 'fastify' {
  interface FastifyInstance {
    chain: ChainClient;
  }
}

/** Exposes the chain client; closes it with the app when the app created it. */
export default fp<{ chain: ChainClient; owned: boolean }>(
  async (app, opts) => {
    app.decorate('chain', opts.chain);
    app.addHook('onClose', async () => {
      if (opts.owned) await opts.chain.close();
    });
  },
  { name: 'cloister-chain' },
);
