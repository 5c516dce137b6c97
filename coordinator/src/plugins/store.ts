import fp from 'fastify-plugin';
import type { StoreConfig } from '../config';
import { createStore, type ArtifactStore } from '../store';

declare module 'fastify' {
  interface FastifyInstance {
    store: ArtifactStore;
  }
}

export default fp<{ config: StoreConfig; store?: ArtifactStore }>(
  async (app, opts) => {
    const store = opts.store ?? createStore(opts.config);
    app.decorate('store', store);
    app.log.info({ store: store.kind }, 'store: ready');
  },
  { name: 'cloister-store' },
);
