import type { FastifyInstance, FastifyTypeProvider, RawServerDefault, FastifyBaseLogger } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Type provider over @sinclair/typebox 0.34 (the version @cloister/protocol's schemas use). */
export interface TypeBoxProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxProvider>;
