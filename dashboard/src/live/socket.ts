// Live updates: the coordinator's socket.io rooms (`task:<id>`). Every round event of a subscribed task calls
// `onEvent`; the views then re-read the chain, so what is shown is the contract's state, pushed without a reload.
import { io, type Socket } from 'socket.io-client';
import { coordinatorUrl } from '../network';

export const ROUND_EVENT_NAMES = ['round:opened', 'round:closing', 'round:closed', 'round:failed', 'round:finalized', 'round:accepted', 'round:rejected', 'model:available', 'task:status'] as const;

export type RoundEvent = { event: string; taskId: string; round: number; at: number; status?: string; reason?: string };
export type LiveStatus = 'connecting' | 'live' | 'offline';

export class LiveUpdates {
  private readonly socket: Socket;
  private readonly rooms = new Set<string>();

  constructor(onEvent: (event: RoundEvent) => void, onStatus: (status: LiveStatus) => void) {
    this.socket = io(coordinatorUrl(), { transports: ['websocket'], reconnectionDelayMax: 5000 });
    this.socket.on('connect', () => {
      onStatus('live');
      for (const taskId of this.rooms) this.socket.emit('subscribe', { taskId });
    });
    this.socket.on('disconnect', () => onStatus('offline'));
    this.socket.on('connect_error', () => onStatus('offline'));
    for (const name of ROUND_EVENT_NAMES) this.socket.on(name, (payload: RoundEvent) => onEvent({ ...payload, event: name }));
  }

  /** Joins the rooms of these tasks (and keeps them across reconnects). */
  subscribe(taskIds: string[]): void {
    for (const taskId of taskIds) {
      if (this.rooms.has(taskId)) continue;
      this.rooms.add(taskId);
      if (this.socket.connected) this.socket.emit('subscribe', { taskId });
    }
  }

  close(): void {
    this.socket.close();
  }
}
