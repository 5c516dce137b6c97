import fp from 'fastify-plugin';
import { createSocketServer, type RoundEventPayload, type SocketEventName } from '../events/socketServer';

export type EventBus = { emit(event: SocketEventName, payload: RoundEventPayload): void };

declare module 'fastify' {
  interface FastifyInstance {
    events: EventBus;
  }
}

/** socket.io bound to fastify's HTTP server; closes before the HTTP server does. */
export default fp<{ keyPrefix: string }>(
  async (app, opts) => {
    const socket = createSocketServer({ server: app.server, redis: app.redis, log: app.log as never, keyPrefix: opts.keyPrefix });
    app.decorate('events', {
      emit(event: SocketEventName, payload: RoundEventPayload) {
        app.log.debug({ event, taskId: payload.taskId, round: payload.round }, 'socket: emit');
        socket.emit(event, payload);
      },
    });
    app.addHook('preClose', async () => {
      await socket.close();
    });
  },
  { name: 'cloister-socket', dependencies: ['cloister-redis'] },
);
