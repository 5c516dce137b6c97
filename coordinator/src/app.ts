import Fastify, { type FastifyBaseLogger } from 'fastify';
import swagger from '@fastify/swagger';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { HEADERS } from '@cloister/protocol';
import type { CoordinatorConfig } from './config';
import type { ChainClient } from './chain/types';
import { createChainClient } from './chain/ethersChain';
import type { ArtifactStore } from './store';
import errorsPlugin from './plugins/errors';
import metricsPlugin from './plugins/metrics';
import redisPlugin from './plugins/redis';
import storePlugin from './plugins/store';
import chainPlugin from './plugins/chain';
import authPlugin from './plugins/auth';
import queuesPlugin from './plugins/queues';
import socketPlugin from './plugins/socket';
import healthRoutes from './routes/health';
import authRoutes from './routes/auth';
import taskRoutes from './routes/tasks';
import blobRoutes from './routes/blobs';
import updateRoutes from './routes/updates';
import networkRoutes from './routes/network';
import operationsRoutes from './routes/operations';
import dashboardPlugin from './plugins/dashboard';
import docsPlugin from './plugins/docs';
import type { App, TypeBoxProvider } from './routes/typebox';
import roundsPlugin from './plugins/rounds';
import paramRangesPlugin from './plugins/paramRanges';
import rateLimitsPlugin from './plugins/rateLimits';

declare module 'fastify' {
  interface FastifyInstance {
    config: CoordinatorConfig;
  }
}

/** Things tests (or an embedding process) may supply instead of having the app create them. */
export type AppDeps = {
  chain?: ChainClient;
  store?: ArtifactStore;
  redis?: Redis;
  /** A pino logger to use (default: fastify's pino at config.logLevel). */
  logger?: Logger;
};

export const REDACTED_PATHS = [
  'req.headers.authorization',
  `req.headers["${HEADERS.signature}"]`,
  `req.headers["${HEADERS.aggregatorSignature}"]`,
  'config.auth.sessionSecret',
  'config.auth.operatorToken',
  'config.chain.operatorPrivateKey',
];

/** Builds the coordinator's fastify app (routes, plugins, socket.io). Never listens: see server.ts. */
export async function buildApp(config: CoordinatorConfig, deps: AppDeps = {}): Promise<App> {
  const base = deps.logger
    ? Fastify({ loggerInstance: deps.logger as unknown as FastifyBaseLogger, bodyLimit: 1024 * 1024 })
    : Fastify({ logger: { level: config.logLevel, redact: REDACTED_PATHS }, bodyLimit: 1024 * 1024 });
  const app = base.withTypeProvider<TypeBoxProvider>() as unknown as App;
  app.decorate('config', config);

  let chain = deps.chain;
  let ownsChain = false;
  if (!chain) {
    chain = (await createChainClient(config)).client;
    ownsChain = true;
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Cloister coordinator', version: '0.1.0', description: 'Relays sealed federated-learning updates, schedules rounds, publishes models.' },
      components: {
        securitySchemes: {
          session: { type: 'http', scheme: 'bearer', description: 'Token from POST /v1/auth/verify' },
          aggregator: { type: 'apiKey', in: 'header', name: HEADERS.aggregatorSignature },
        },
      },
    },
  });
  await app.register(metricsPlugin);
  await app.register(errorsPlugin, { retryAfterSeconds: config.retryAfterSeconds });
  await app.register(paramRangesPlugin);
  await app.register(rateLimitsPlugin, { limits: config.rateLimits });
  await app.register(redisPlugin, { url: config.redis.url, keyPrefix: config.redis.keyPrefix, commandTimeoutMs: config.redis.commandTimeoutMs, client: deps.redis });
  await app.register(storePlugin, { config: config.store, store: deps.store });
  await app.register(chainPlugin, { chain, owned: ownsChain });
  await app.register(authPlugin, { config });
  await app.register(queuesPlugin, {
    url: config.redis.url,
    prefix: config.redis.queuePrefix,
    keyPrefix: config.redis.keyPrefix,
    aggregationAttempts: config.rounds.aggregationAttempts,
    commandTimeoutMs: config.redis.commandTimeoutMs,
    depthTimeoutMs: config.readyTimeoutMs,
  });
  await app.register(socketPlugin, { keyPrefix: config.redis.keyPrefix, maxRoomsPerConnection: config.socket.maxRoomsPerConnection });

  await app.register(roundsPlugin, { config });

  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(taskRoutes);
  await app.register(blobRoutes);
  await app.register(updateRoutes);
  await app.register(networkRoutes);
  await app.register(operationsRoutes);
  await app.register(docsPlugin);
  await app.register(dashboardPlugin, { directory: config.dashboard.directory });
  await app.ready();
  return app;
}
