// The watcher hands each range's events over in one call (performance issue: one reconcile per event held the
// watcher for ten reconciles when ten commits were mined together), and a failed call leaves the cursor where it was.
import { until } from '@cloister/devstack';
import pino from 'pino';
import type { ChainClient, ChainEvent } from './types';
import { ChainWatcher } from './watcher';
import { useTestRedis } from '../../test/support/redis';

jest.setTimeout(30_000);

const redis = useTestRedis();

const commit = (block: number, taskId: bigint): ChainEvent => ({
  name: 'UpdateCommitted',
  args: {},
  taskId,
  round: 1n,
  blockNumber: block,
  transactionHash: `0x${block.toString(16).padStart(64, '0')}`,
  logIndex: 0,
});

/** A chain of `head` blocks holding `events`; only what the watcher calls is implemented. */
function chainOf(head: number, events: ChainEvent[]): ChainClient {
  return {
    blockNumber: async () => head,
    events: async (from: number, to: number) => events.filter((e) => e.blockNumber >= from && e.blockNumber <= to),
  } as unknown as ChainClient;
}

function watcher(keyPrefix: string, chain: ChainClient, onEvents: (events: ChainEvent[]) => Promise<void>): ChainWatcher {
  return new ChainWatcher({ chain, redis: redis.client, keyPrefix, log: pino({ level: 'silent' }), confirmations: 0, pollIntervalMs: 60_000, maxBlockRange: 100, startBlock: 1, onEvents });
}

it('hands every event of a range over in one call, in chain order', async () => {
  const events = [commit(3, 1n), commit(4, 2n), ...Array.from({ length: 8 }, (_, i) => commit(5 + i, 1n))];
  const calls: ChainEvent[][] = [];
  const w = watcher('batch:', chainOf(20, events), async (batch) => void calls.push(batch));
  w.start();
  await until('the range processed', async () => (await w.cursor()) === 20, 10_000);
  await w.stop();
  expect(calls).toHaveLength(1);
  expect(calls[0]!.map((e) => e.blockNumber)).toEqual(events.map((e) => e.blockNumber));
});

it('leaves the cursor when the call throws, and hands the same range over again', async () => {
  const events = [commit(2, 1n), commit(3, 1n)];
  let attempts = 0;
  const w = watcher('retry:', chainOf(5, events), async () => {
    attempts += 1;
    if (attempts === 1) throw new Error('reconcile failed');
  });
  w.start();
  await until('the first call', async () => attempts === 1, 10_000);
  expect(await w.cursor()).toBeNull();
  w.poke(); // the next poll, now
  await until('the cursor moved', async () => (await w.cursor()) === 5, 10_000);
  await w.stop();
  expect(attempts).toBe(2);
});
