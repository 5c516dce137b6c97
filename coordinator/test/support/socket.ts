import { io, type Socket } from 'socket.io-client';

export type Received = { event: string; payload: Record<string, unknown> };

/** A socket.io client subscribed to task rooms that records every event it receives. */
export async function listen(base: string, taskIds: string[]): Promise<{ socket: Socket; events: Received[]; waitFor(event: string, pred?: (p: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>; close(): void }> {
  const socket = io(base, { transports: ['websocket'], reconnection: true });
  const events: Received[] = [];
  socket.onAny((event: string, payload: Record<string, unknown>) => events.push({ event, payload }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  for (const taskId of taskIds) {
    const ack = (await socket.timeout(5000).emitWithAck('subscribe', { taskId })) as { ok: boolean };
    if (!ack.ok) throw new Error(`subscribe ${taskId} refused`);
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
