// Integration: round jobs follow the chain's clock, not the wall clock. The Hardhat chain is pushed ahead of the
// wall clock (evm_increaseTime, as automined bursts do); close-round and accept-round must still fire promptly (the
// wall-clock schedule would wait for the offset: 10 minutes, one hour) and acceptRound is sent exactly once.
import http from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ethers, type Wallet } from 'ethers';
import { finalizeRoundInPages } from '@cloister/contracts';
import { jsonRpc } from '@cloister/contracts/development';
import { step, until } from '@cloister/devstack';
import { QUEUE, ROUND_STATE } from '@cloister/protocol';
import type { RunningCoordinator } from '../src';
import { createTask, type TestChain } from './support/chain';
import { listen } from './support/socket';
import { startCoordinatorStack, type CoordinatorStack } from './support/stack';

jest.setTimeout(90_000);

const CHALLENGE_WINDOW = 5;
let t: TestChain;
let coordinator: RunningCoordinator;
let sock: Awaited<ReturnType<typeof listen>>;
let queueConn: Redis;
let rounds: Queue;

let stack: CoordinatorStack;

beforeAll(async () => {
  stack = await startCoordinatorStack({
    name: 'cloister-chaintime',
    chain: { challengeWindow: CHALLENGE_WINDOW },
    config: { rounds: { uploadGraceMs: 1000, closeDelayMs: 300 } },
  });
  ({ t, coordinator, sock, queueConn } = stack);
  rounds = new Queue(QUEUE.rounds, { connection: queueConn });
});

afterAll(async () => {
  await rounds?.close();
  await stack?.stop();
});

async function latestTimestamp(): Promise<number> {
  return (await t.provider.getBlock('latest'))!.timestamp;
}

describe('round jobs scheduled by chain time', () => {
  // The round's stages are steps (devstack step()): any one test runs alone, and the tests run in any order.
  let p1: Wallet;
  let openedAt: bigint;

  const closedByChainTime = step(async () => {
    p1 = t.participants[0]!;
    const taskId = await createTask(t, [p1], { roundDuration: 600, minParticipants: 1, maxParticipants: 5, numRounds: 1 });
    expect(taskId).toBe(1n);
    await sock.waitFor('round:opened', (p) => p.taskId === '1' && p.round === 1);
    const round = await t.contracts.taskManager.getRound(1n, 1n);
    openedAt = round.openedAt;
    // Jump the chain to 8 s before the deadline; the commit's event makes the coordinator look again.
    await jsonRpc(t.chain.rpcUrl).send('evm_increaseTime', [Number(round.deadline) - (await latestTimestamp()) - 8]);
    await (await t.contracts.taskManager.connect(p1).commit(1n, 1n, ethers.id('update'))).wait();
    const jumpedAt = Date.now();
    // Bound: the deadline (8 s) plus slack for a loaded 2-core machine; the wall-clock schedule would take 600 s.
    await sock.waitFor('round:closed', (p) => p.taskId === '1' && p.round === 1, 45_000);
    expect(Date.now() - jumpedAt).toBeLessThan(45_000);
    expect(Number((await t.contracts.taskManager.getRound(1n, 1n)).state)).toBe(ROUND_STATE.Closed);
    const job = await rounds.getJob(`close-round-1-1-${openedAt}`);
    expect(job?.returnvalue).toMatch(/^closed in 0x/);
  });
  it('closes at the on-chain deadline although the wall-clock deadline is 10 minutes away', () => closedByChainTime());

  const acceptedByChainTime = step(async () => {
    await closedByChainTime();
    await jsonRpc(t.chain.rpcUrl).send('evm_increaseTime', [3600]);
    const operatorNonce = await t.provider.getTransactionCount(t.operator.address);
    const tm = t.contracts.taskManager.connect(t.aggregator);
    const hash = ethers.id('model-1');
    await finalizeRoundInPages(tm, { taskId: 1n, round: 1n, modelHash: hash, modelUri: `blobs/${hash.slice(2)}`, metricsHash: ethers.id('metrics'), included: [p1.address], scores: [1_000_000], excluded: [], reasons: [] });
    const finalizedAt = Date.now();
    const finalized = await t.contracts.taskManager.getRound(1n, 1n);
    expect(Number(finalized.challengeEndsAt) - Math.floor(finalizedAt / 1000)).toBeGreaterThan(3000); // the chain runs an hour ahead
    // The chain now stays idle: nothing but the coordinator's acceptRound and creditRewards mine blocks.
    await sock.waitFor('round:accepted', (p) => p.taskId === '1' && p.round === 1, 30_000);
    expect(Date.now() - finalizedAt).toBeLessThan(CHALLENGE_WINDOW * 1000 + 12_000);
    await sock.waitFor('task:status', (p) => p.taskId === '1' && p.status === 'completed', 10_000);
    const accepted = await t.contracts.taskManager.queryFilter(t.contracts.taskManager.filters.RoundAccepted(1n, 1n));
    expect(accepted).toHaveLength(1);
    // only the acceptRound and one creditRewards page (one committed participant)
    await until('the reward credited', async () => Number((await t.contracts.taskManager.getRound(1n, 1n)).creditedCount) === 1, 20_000);
    expect(await t.provider.getTransactionCount(t.operator.address)).toBe(operatorNonce + 2);
    const job = await rounds.getJob(`accept-round-1-1-${openedAt}`);
    expect(job?.returnvalue).toMatch(/^accepted in 0x/);
    expect(job?.attemptsMade).toBeLessThanOrEqual(1);
  });
  it('accepts once the challenge window ends on chain, promptly and exactly once, an hour ahead of the wall clock', () => acceptedByChainTime());

  it('stops promptly with a kept-alive HTTP connection and a socket.io client still connected', async () => {
    // The end of the coordinator's life: after the round's stages, whichever order the tests run in.
    await acceptedByChainTime();
    const agent = new http.Agent({ keepAlive: true });
    const status = await new Promise<number>((resolve, reject) => {
      http.get(`${coordinator.url}/health`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      }).on('error', reject);
    });
    expect(status).toBe(200);
    expect(sock.socket.connected).toBe(true);
    const started = Date.now();
    await coordinator.close();
    // Before: socket.io closed fastify's HTTP server in preClose and waited out the idle keep-alive socket (72 s),
    // past avvio's 10 s limit (AVV_ERR_READY_TIMEOUT).
    expect(Date.now() - started).toBeLessThan(5_000);
    agent.destroy();
  });
});
