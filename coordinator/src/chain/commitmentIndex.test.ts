// The watcher's record of commitments: a commit belongs to the latest opening of its round before it in chain order,
// and a range handed over again (after a failed handling) never attributes a commit to a later opening.
import { Wallet } from 'ethers';
import { CommitmentIndex } from './commitmentIndex';
import type { ChainEvent } from './types';
import { useTestRedis } from '../../test/support/redis';

jest.setTimeout(30_000);

const redis = useTestRedis();

const participant = Wallet.createRandom().address;
const hashA = `0x${'a'.repeat(64)}`;
const hashB = `0x${'B'.repeat(64)}`;
// Far ahead of the wall clock: the record is kept until the deadline plus a day.
const deadline1 = BigInt(Math.floor(Date.now() / 1000) + 3600);
const deadline2 = deadline1 + 7200n;

function event(name: string, block: number, args: Record<string, unknown>, taskId = 1n, round = 1n): ChainEvent {
  return { name, args, taskId, round, blockNumber: block, transactionHash: `0x${block.toString(16).padStart(64, '0')}`, logIndex: 0 };
}
const opened = (block: number, deadline: bigint) => event('RoundOpened', block, { deadline, previousModelHash: hashA });
const committed = (block: number, hash: string, who = participant) => event('UpdateCommitted', block, { participant: who.toLowerCase(), ciphertextHash: hash });

it('records a commit under the opening before it, across ranges, with the hash in lower case', async () => {
  const index = new CommitmentIndex(redis.client, 'ranges:');
  await index.record([opened(10, deadline1)]);
  expect(await index.seen(1n, 1n, participant)).toBeNull();
  await index.record([committed(11, hashB)]);
  expect(await index.seen(1n, 1n, participant)).toEqual({ deadline: deadline1, ciphertextHash: hashB.toLowerCase() });
  expect(await index.seen(1n, 2n, participant)).toBeNull();
  expect(await index.seen(2n, 1n, participant)).toBeNull();
  expect(await redis.client.ttl('ranges:commitments:1:1')).toBeGreaterThan(0);
});

it('records nothing for a commit whose opening it never saw (the route reads the chain instead)', async () => {
  const index = new CommitmentIndex(redis.client, 'unseen:');
  await index.record([committed(5, hashA)]);
  expect(await index.seen(1n, 1n, participant)).toBeNull();
});

it('puts a reopened round’s commits under the new opening', async () => {
  const index = new CommitmentIndex(redis.client, 'reopen:');
  await index.record([opened(10, deadline1), committed(11, hashA), opened(20, deadline2)]);
  expect(await index.seen(1n, 1n, participant)).toEqual({ deadline: deadline1, ciphertextHash: hashA });
  await index.record([committed(21, hashB)]);
  expect(await index.seen(1n, 1n, participant)).toEqual({ deadline: deadline2, ciphertextHash: hashB.toLowerCase() });
});

it('a range handed over again leaves a later opening and never gives it an earlier commit', async () => {
  const index = new CommitmentIndex(redis.client, 'replay:');
  const range = [opened(10, deadline1), committed(11, hashA), opened(12, deadline2)];
  await index.record(range);
  await index.record(range); // the watcher retries the range (its handling failed after the record)
  expect(await index.seen(1n, 1n, participant)).toEqual({ deadline: deadline1, ciphertextHash: hashA });
  expect(await redis.client.hget('replay:commitments:1:1', 'opening')).toBe(`${deadline2}:12:0`);
});
