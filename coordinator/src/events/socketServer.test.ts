import { createServer } from 'node:http';
import { check, RoundEventSchema } from '@cloister/protocol';
import { startRedis, type LocalRedis } from '@cloister/devstack';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createSocketServer, RoundEventInvalidError, toRoundEvent } from './socketServer';

const hash = `0x${'ab'.repeat(32)}`;

describe('toRoundEvent (every socket payload goes through it)', () => {
  it('shapes a RoundOpened payload: socket event name, integer deadline, at', () => {
    const out = toRoundEvent('round:opened', { taskId: '7', round: 1, deadline: 1_700_000_000n, previousModelHash: hash, chainEvent: 'RoundOpened' });
    expect(out).toMatchObject({ taskId: '7', round: 1, event: 'round:opened', deadline: 1_700_000_000, previousModelHash: hash, chainEvent: 'RoundOpened' });
    expect(Number.isInteger(out.at)).toBe(true);
    expect(check(RoundEventSchema, out)).toBe(true);
  });

  it('overrides a contract event name in `event` with the socket event name', () => {
    const out = toRoundEvent('round:finalized', { taskId: '1', round: 2, event: 'RoundFinalized', modelHash: hash, includedCount: 2n, excludedCount: 0n, at: 5 });
    expect(out).toMatchObject({ event: 'round:finalized', includedCount: 2, excludedCount: 0, at: 5 });
    expect(check(RoundEventSchema, out)).toBe(true);
  });

  it('refuses payloads the clients would drop, naming the field', () => {
    expect(() => toRoundEvent('round:closing', { taskId: '1', round: 1, deadline: '1700000000' })).toThrow(RoundEventInvalidError);
    expect(() => toRoundEvent('round:closing', { taskId: '1', round: 1, deadline: '1700000000' })).toThrow(/deadline/);
    expect(() => toRoundEvent('round:opened', { taskId: 'one', round: 1 })).toThrow(/taskId/);
    expect(() => toRoundEvent('round:opened', { taskId: '1', round: -1 })).toThrow(/round/);
    expect(() => toRoundEvent('round:finalized', { taskId: '1', round: 1, modelHash: '0x12' })).toThrow(/modelHash/);
  });
});

describe('createSocketServer (redis-server)', () => {
  it('publishes an event while open and nothing after close (a publish on the closed adapter rejected unhandled)', async () => {
    const redis: LocalRedis = await startRedis();
    const client = new Redis(redis.url);
    const server = createServer();
    const sockets = createSocketServer({ server, redis: client, log: pino({ level: 'silent' }), keyPrefix: `socket-test-${process.pid}:` });
    const broadcast = jest.spyOn(sockets.io.of('/').adapter, 'broadcast');
    try {
      sockets.emit('round:opened', { taskId: '1', round: 1 });
      expect(broadcast).toHaveBeenCalledTimes(1);
      await sockets.close();
      sockets.emit('round:opened', { taskId: '1', round: 2 });
      expect(broadcast).toHaveBeenCalledTimes(1);
    } finally {
      client.disconnect();
      server.close();
      await redis.stop();
    }
  });
});
