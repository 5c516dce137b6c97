import fp from 'fastify-plugin';
import { createSocketServer, toRoundEvent, type RoundEventPayload, type SocketEventName } from '../events/socketServer';

export type EventBus = { emit(event: SocketEventName, payload: RoundEventPayload): void };

declare module 'fastify' {
  interface FastifyInstance {
    events: EventBus;
  }
}

/** socket.io bound to fastify's HTTP server; closes before the HTTP server does. */
export default fp<{ keyPrefix: string; maxRoomsPerConnection?: number }>(
  async (app, opts) => {
    const socket = createSocketServer({ server: app.server, redis: app.redis, log: app.log as never, keyPrefix: opts.keyPrefix, maxRoomsPerConnection: opts.maxRoomsPerConnection });
    app.decorate('events', {
      emit(event: SocketEventName, payload: RoundEventPayload) {
        // Validated here, once, for every emitter: a payload clients would refuse is a bug, logged and not sent.
        let shaped: RoundEventPayload;
        try {
          shaped = toRoundEvent(event, payload);
        } catch (err) {
          app.log.error({ err, event, taskId: payload.taskId, round: payload.round }, 'socket: payload does not match RoundEventSchema, not sent');
          return;
        }
        app.log.debug({ event, taskId: shaped.taskId, round: shaped.round }, 'socket: emit');
        socket.emit(event, shaped);
      },
    });
    app.addHook('preClose', async () => {
      await socket.close();
    });
  },
  { name: 'cloister-socket', dependencies: ['cloister-redis'] },
);
