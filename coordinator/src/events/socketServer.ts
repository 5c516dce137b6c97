import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { RepeatedFailureLog } from '../plugins/repeatedFailures';
import { ERROR_CODES } from '../errors';
import { ROUND_EVENTS, RoundEventSchema, validate, type RoundEvent, type RoundEventName } from '@cloister/protocol';

/** Names of the events pushed to `task:<id>` rooms: protocol's ROUND_EVENTS (one list, shared with the clients). */
export const SOCKET_EVENTS = ROUND_EVENTS;
export type SocketEventName = RoundEventName;

export type RoundEventPayload = { taskId: string; round: number } & Record<string, unknown>;

import { RoundEventInvalidError } from '../errors';

/** A payload that failed RoundEventSchema: never sent (clients would drop it and fall back to polling). */
export { RoundEventInvalidError };

/** bigint → number (or decimal string beyond 2^53), recursively through plain objects/arrays. */
function jsonable(value: unknown): unknown {
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= 0n ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(jsonable);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonable(v)]));
  return value;
}

/**
 * The one place a socket payload is shaped and checked: bigints become numbers, `event` is the socket event name
 * (never a contract event name), `at` defaults to now, and the result must validate against the protocol's
 * RoundEventSchema, or RoundEventInvalidError is thrown (the caller logs it and sends nothing).
 */
export function toRoundEvent(event: SocketEventName, payload: RoundEventPayload): RoundEvent & Record<string, unknown> {
  const shaped = { ...(jsonable(payload) as Record<string, unknown>), event, at: typeof payload.at === 'number' ? payload.at : Date.now() };
  try {
    return validate(RoundEventSchema, shaped, `${event} payload`) as RoundEvent & Record<string, unknown>;
  } catch (error) {
    throw new RoundEventInvalidError((error as Error).message, { details: { errors: (error as { details?: unknown }).details }, cause: error });
  }
}

export function taskRoom(taskId: string | bigint): string {
  return `task:${String(taskId)}`;
}

const TASK_ID = /^[0-9]{1,78}$/;

/** Waits for `promise` (its failure ignored) at most one second: a stop never hangs on Redis. */
function bounded(promise: Promise<unknown>): Promise<unknown> {
  return Promise.race([promise.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
}

/** The room of every task's events: a dashboard joins it once (`subscribe { all: true }`) instead of a room per task. */
export const ALL_TASKS_ROOM = 'tasks:all';

/**
 * socket.io on the HTTP server, with the Redis adapter so that every coordinator instance's clients receive
 * events emitted by any instance. Clients emit `subscribe { taskId }` / `unsubscribe { taskId }`.
 */
export function createSocketServer(options: { server: HttpServer; redis: Redis; log: Logger; keyPrefix: string; maxRoomsPerConnection?: number }): {
  io: Server;
  emit(event: SocketEventName, payload: RoundEventPayload): void;
  close(): Promise<void>;
} {
  // Neither a command timeout nor a retry limit: an adapter publish waits for Redis to come back. Both made a publish
  // during an outage reject unhandled, which ended the coordinator process (found by the fault suite).
  const pub = options.redis.duplicate({ commandTimeout: undefined, maxRetriesPerRequest: null });
  const sub = options.redis.duplicate({ commandTimeout: undefined, maxRetriesPerRequest: null });
  const failures = new RepeatedFailureLog(options.log);
  pub.on('error', (err) => failures.warn(err, 'socket: redis pub error'));
  sub.on('error', (err) => failures.warn(err, 'socket: redis sub error'));
  const io = new Server(options.server, {
    cors: { origin: true },
    adapter: createAdapter(pub, sub, { key: `${options.keyPrefix}socket.io` }),
    serveClient: false,
  });
  const maxRooms = options.maxRoomsPerConnection ?? 100;
  io.on('connection', (socket) => {
    const handle = (join: boolean) => (payload: unknown, ack?: unknown) => {
      const reply = (r: unknown) => {
        if (typeof ack === 'function') (ack as (r: unknown) => void)(r);
      };
      const body = payload as { taskId?: unknown; all?: unknown } | null;
      const taskId = body?.taskId;
      let room: string | null = null;
      if (body?.all === true) room = ALL_TASKS_ROOM;
      else if ((typeof taskId === 'string' && TASK_ID.test(taskId)) || (typeof taskId === 'number' && Number.isSafeInteger(taskId) && taskId >= 0)) room = taskRoom(String(taskId));
      if (room === null) {
        reply({ ok: false, code: ERROR_CODES.RequestInvalid.code, message: 'expected { taskId: decimal string } or { all: true }' });
        return;
      }
      if (!join) {
        void socket.leave(room);
        reply({ ok: true, room });
        return;
      }
      // socket.rooms holds the connection's own room too. One connection joining 20,000 rooms was possible.
      if (!socket.rooms.has(room) && socket.rooms.size - 1 >= maxRooms) {
        reply({ ok: false, code: ERROR_CODES.SocketRoomLimit.code, message: `at most ${maxRooms} task rooms per connection: leave one first, or subscribe { all: true } for every task` });
        return;
      }
      void socket.join(room);
      reply({ ok: true, room });
    };
    socket.on('subscribe', handle(true));
    socket.on('unsubscribe', handle(false));
  });
  let closed = false;
  return {
    io,
    emit(event, payload) {
      // After close() the adapter's Redis clients are disconnected: a publish then rejects where nobody can catch it
      // (the adapter does not return its promise), which ended the process when a chain event was still being handled
      // during a stop. Events after close have no listener anyway.
      if (closed) return;
      // A socket in both rooms receives the event once.
      io.to([taskRoom(payload.taskId), ALL_TASKS_ROOM]).emit(event, payload);
    },
    async close() {
      closed = true;
      // Not io.close(): it also closes the HTTP server, which fastify owns, and waits for every kept-alive connection
      // to end (fastify closes the idle ones only after preClose), so a stop with connected clients hung for the
      // keep-alive timeout and avvio reported AVV_ERR_READY_TIMEOUT. Disconnect the sockets, stop the engine and the
      // adapter (bounded), and leave the HTTP server to fastify.
      io.disconnectSockets(true);
      io.engine.close();
      await bounded(Promise.resolve(io.of('/').adapter.close()));
      // QUIT, not a bare disconnect: Redis answers the commands sent before it first (a disconnect rejected them, and
      // the adapter's subscribe and publish promises are nobody's to catch: the process ended). Bounded for an outage.
      await Promise.all([pub, sub].map((client) => bounded(client.quit())));
      pub.disconnect();
      sub.disconnect();
    },
  };
}
