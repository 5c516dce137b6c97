import type { FastifyInstance, RawServerDefault, FastifyBaseLogger } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The coordinator's fastify instance with route types inferred from TypeBox schemas. The provider is
 * @fastify/type-provider-typebox 5, the major that matches @sinclair/typebox 0.34 (protocol's schemas); its 6 wants
 * `typebox` 1.x.
 */
export type TypeBoxProvider = TypeBoxTypeProvider;

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxProvider>;
