// Round notifications: a socket.io subscription to the coordinator (`subscribe {taskId}`, reconnecting) for low
// latency, and a polling timer as the fallback. Both only say "look again"; the chain is the source of truth.
import { RoundEventSchema, ROUND_EVENTS, SOCKET, check, type RoundEvent } from '@cloister/protocol';
import { io, type Socket } from 'socket.io-client';
import { silentLogger, type Logger } from '../logger';

export interface RoundEventsOptions {
  coordinatorUrl: string;
  taskId: bigint;
  /** Called on every valid event and on every poll tick (event undefined). */
  onSignal: (event?: RoundEvent) => void;
  /** Polling period in ms (default 5000); 0 disables polling. */
  pollIntervalMs?: number;
  /** Use the socket.io subscription (default true). */
  socket?: boolean;
  logger?: Logger;
}

export class RoundEvents {
  private socket?: Socket;
  private timer?: NodeJS.Timeout;
  private readonly logger: Logger;
  connected = false;

  constructor(private readonly options: RoundEventsOptions) {
    this.logger = options.logger ?? silentLogger();
  }

  start(): void {
    const { taskId, onSignal } = this.options;
    if (this.options.socket !== false) {
      const socket = io(this.options.coordinatorUrl, {
        transports: ['websocket'],
        reconnection: true,
        reconnectionDelay: 500,
        reconnectionDelayMax: 10_000,
        timeout: 10_000,
      });
      socket.on('connect', () => {
        this.connected = true;
        socket.emit(SOCKET.subscribe, { taskId: String(taskId) });
        this.logger.info({ taskId: String(taskId) }, 'events: subscribed to round events');
        onSignal(); // something may have happened while disconnected
      });
      socket.on('disconnect', (reason) => {
        this.connected = false;
        this.logger.warn({ reason }, 'events: socket disconnected, polling until it reconnects');
      });
      socket.on('connect_error', (err) => this.logger.debug({ err: err.message }, 'events: socket connect failed, will retry'));
      for (const name of ROUND_EVENTS) {
        socket.on(name, (payload: unknown) => {
          if (!check(RoundEventSchema, payload) || payload.taskId !== String(taskId)) {
            this.logger.warn({ event: name }, 'events: ignored a malformed or foreign event');
            return;
          }
          onSignal({ ...payload, event: payload.event ?? name });
        });
      }
      this.socket = socket;
    }
    const period = this.options.pollIntervalMs ?? 5000;
    if (period > 0) {
      this.timer = setInterval(() => onSignal(), period);
      this.timer.unref?.();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = undefined;
    this.connected = false;
  }
}
