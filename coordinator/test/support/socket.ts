import { io, type Socket } from 'socket.io-client';

export type Received = { event: string; payload: Record<string, unknown> };

/**
 * A socket.io client subscribed to task rooms (or to every task: 'all') that records every event it receives. Tests
 * that share a stack subscribe to every task, so none depends on which task id another test's task got.
 */
export async function listen(base: string, taskIds: string[] | 'all'): Promise<{ socket: Socket; events: Received[]; waitFor(event: string, pred?: (p: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>; close(): void }> {
  const socket = io(base, { transports: ['websocket'], reconnection: true });
  const events: Received[] = [];
  socket.onAny((event: string, payload: Record<string, unknown>) => events.push({ event, payload }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  for (const subscription of taskIds === 'all' ? [{ all: true }] : taskIds.map((taskId) => ({ taskId }))) {
    const ack = (await socket.timeout(5000).emitWithAck('subscribe', subscription)) as { ok: boolean };
    if (!ack.ok) throw new Error(`subscribe ${JSON.stringify(subscription)} refused`);
  }
  return {
    socket,
    events,
    async waitFor(event, pred = () => true, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find((e) => e.event === event && pred(e.payload));
        if (hit) return hit.payload;
        if (Date.now() > until) throw new Error(`no ${event} within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.event))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close() {
      socket.close();
    },
  };
}
