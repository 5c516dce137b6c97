import type { CoordinatorConfig } from '../config';
import type { ChainEvent } from '../chain/types';
import type { EventBus } from '../plugins/socket';
import type { SocketEventName } from '../events/socketServer';

/** Which socket event each TaskManager event becomes (`task:<id>` room). */
export const CHAIN_EVENT_TO_SOCKET: Readonly<Record<string, SocketEventName>> = {
  TaskCreated: 'task:status',
  RoundOpened: 'round:opened',
  UpdateCommitted: 'task:status',
  RoundClosed: 'round:closed',
  RoundFailed: 'round:failed',
  RoundFinalized: 'round:finalized',
  RoundAccepted: 'round:accepted',
  RoundRejected: 'round:rejected',
};

/** Event arguments as RoundEvent fields: counts and timestamps as numbers, hashes and addresses as strings. */
function jsonArgs(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(args)
      .filter(([k]) => k !== 'taskId' && k !== 'round')
      .map(([k, v]) => [k, typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v]),
  );
}

/**
 * The chain-event-to-socket mapping: every TaskManager event is re-emitted to its task's room, and a finalized
 * round also announces `model:available` with the model's URL. It only tells; the state machine acts.
 */
export class ChainEventRelay {
  constructor(private readonly d: { events: EventBus; config: Pick<CoordinatorConfig, 'publicUrl'> }) {}

  relay(event: ChainEvent): void {
    const socketEvent = CHAIN_EVENT_TO_SOCKET[event.name];
    if (socketEvent) {
      this.d.events.emit(socketEvent, {
        ...jsonArgs(event.args),
        taskId: event.taskId.toString(),
        round: Number(event.round),
        event: socketEvent,
        ...(socketEvent === 'task:status' ? { status: event.name } : {}),
        chainEvent: event.name,
        blockNumber: event.blockNumber,
        transactionHash: event.transactionHash,
        at: Date.now(),
      });
    }
    if (event.name === 'RoundFinalized') {
      const modelUri = String(event.args.modelUri ?? '');
      const base = this.d.config.publicUrl ? this.d.config.publicUrl.replace(/\/$/, '') : '';
      this.d.events.emit('model:available', {
        taskId: event.taskId.toString(),
        round: Number(event.round),
        event: 'model:available',
        at: Date.now(),
        modelHash: String(event.args.modelHash ?? ''),
        modelUri,
        url: `${base}/v1/${modelUri}`,
      });
    }
  }
}
