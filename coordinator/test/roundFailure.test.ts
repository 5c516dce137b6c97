// The coordinator's automation reacts to RoundFailed with its reason: a round the aggregator failed below the privacy
// floor is reopened as a new attempt; one whose spec the aggregator refused is not (a new attempt would be refused
// the same way): the task is reported stalled instead.
import { ethers, type Wallet } from 'ethers';
import { ROUND_FAILURE_REASON, ROUND_STATE } from '@cloister/protocol';
import { createTask, type TestChain } from './support/chain';
import { listen } from './support/socket';
import { startCoordinatorStack, type CoordinatorStack } from './support/stack';

jest.setTimeout(90_000);

let stack: CoordinatorStack;
let t: TestChain;
let sock: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  stack = await startCoordinatorStack({
    name: 'cloister-round-failure',
    chain: { challengeWindow: 5 },
    config: { rounds: { uploadGraceMs: 60_000, closeDelayMs: 100 } },
  });
  t = stack.t;
  sock = await listen(stack.coordinator.url, ['1', '2']); // the stack's own socket watches task 1 only
});

afterAll(async () => {
  sock?.close();
  await stack?.stop();
});

/** A one-participant task whose round 1 is full, hence closed by the coordinator at once. */
async function closedRound(p: Wallet): Promise<bigint> {
  const taskId = await createTask(t, [p], { roundDuration: 600, minParticipants: 1, maxParticipants: 1, numRounds: 1 });
  const id = taskId.toString();
  await sock.waitFor('round:opened', (e) => e.taskId === id && e.round === 1);
  await (await t.contracts.taskManager.connect(p).commit(taskId, 1n, ethers.id(`update-${id}`))).wait();
  await sock.waitFor('round:closed', (e) => e.taskId === id && e.round === 1, 30_000);
  return taskId;
}

/** The aggregator fails round 1 of a fresh closed task with `reason`; the coordinator announces it with that reason. */
async function failedRound(p: Wallet, reason: number) {
  const taskId = await closedRound(p);
  const id = taskId.toString();
  await (await t.contracts.taskManager.connect(t.aggregator).failRound(taskId, 1n, reason)).wait();
  const failed = await sock.waitFor('round:failed', (e) => e.taskId === id && e.round === 1);
  expect(failed.reason).toBe(reason);
  return { taskId, id, failed };
}

describe('RoundFailed with a reason', () => {
  it('SPEC_REFUSED: the round is not reopened; the task is reported stalled with the reason', async () => {
    const { taskId, id } = await failedRound(t.participants[0]!, ROUND_FAILURE_REASON.SpecRefused);
    const stalled = await sock.waitFor('task:status', (e) => e.taskId === id && e.status === 'stalled', 30_000);
    expect(stalled.reason).toBe('spec refused by the aggregator');
    const round = await t.contracts.taskManager.getRound(taskId, 1n);
    expect([Number(round.state), Number(round.attempt), Number(round.failureReason)]).toEqual([ROUND_STATE.Failed, 1, ROUND_FAILURE_REASON.SpecRefused]);
  });

  it('BELOW_PRIVACY_FLOOR: the round is reopened as a new attempt', async () => {
    const { taskId, id, failed } = await failedRound(t.participants[1]!, ROUND_FAILURE_REASON.BelowPrivacyFloor);
    await sock.waitFor('round:opened', (e) => e.taskId === id && e.round === 1 && e.blockNumber !== undefined && Number(e.blockNumber) > Number(failed.blockNumber), 30_000);
    const round = await t.contracts.taskManager.getRound(taskId, 1n);
    expect([Number(round.state), Number(round.attempt)]).toEqual([ROUND_STATE.Open, 2]);
  });
});
