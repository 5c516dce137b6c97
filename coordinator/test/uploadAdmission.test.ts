// Integration (performance issue 17): uploads check admission against the task's admitted set, read once and shared
// for 5 s, instead of one isAdmitted call per upload; an account missing from that set is asked about afresh, so a
// set read before its admission never refuses it, and a removed account is refused.
import { randomBytes } from 'node:crypto';
import type { Wallet } from 'ethers';
import { createTask, govern } from './support/chain';
import { sha256Hex, signBytes, signIn, upload, type UploadContext } from './support/client';
import { startCoordinatorStack, type CoordinatorStack } from './support/stack';

jest.setTimeout(120_000);

let stack: CoordinatorStack;

beforeAll(async () => {
  stack = await startCoordinatorStack({ name: 'cloister-upload-admission', config: { uploads: { commitmentWaitMs: 500, commitmentPollMs: 100, graceSeconds: 0 } } });
});

afterEach(() => jest.restoreAllMocks());

afterAll(async () => {
  await stack?.stop();
});

/** A task with `admitted`, its round 1 open: the upload context. */
async function openTask(admitted: Wallet[]): Promise<UploadContext> {
  const { t, coordinator, sock } = stack;
  const taskId = await createTask(t, admitted, { roundDuration: 600, minParticipants: 1, maxParticipants: 6 });
  await sock.waitFor('round:opened', (p) => p.taskId === String(taskId) && p.round === 1);
  return { base: coordinator.url, chainId: 31337n, taskManager: t.deployment.contracts.taskManager, taskId, round: 1n };
}

async function commitAndUpload(ctx: UploadContext, who: Wallet) {
  const bytes = randomBytes(16 * 1024);
  await (await stack.t.contracts.taskManager.connect(who).commit(ctx.taskId, 1n, sha256Hex(bytes))).wait();
  return upload(ctx, await signIn(ctx.base, who), bytes, await signBytes(ctx, who, bytes));
}

it('accepts an account admitted after the admitted set was read, asking the chain about it', async () => {
  const [p1, p2] = stack.t.participants as [Wallet, Wallet];
  const ctx = await openTask([p1]);
  const registry = stack.t.contracts.participants;
  await govern(stack.t, await registry.getAddress(), registry.interface.encodeFunctionData('admit', [ctx.taskId, p2.address, 'late', '']));
  // The set as read before p2's admission.
  jest.spyOn(stack.coordinator.app.chain, 'admittedParticipants').mockResolvedValue([p1.address]);
  const asked = jest.spyOn(stack.coordinator.app.chain, 'isAdmitted');
  expect(await commitAndUpload(ctx, p1)).toMatchObject({ status: 200, body: { duplicate: false } });
  expect(asked).not.toHaveBeenCalled();
  expect(await commitAndUpload(ctx, p2)).toMatchObject({ status: 200, body: { duplicate: false } });
  expect(asked).toHaveBeenCalledWith(ctx.taskId, p2.address);
});

it('refuses an account removed from the task', async () => {
  const [, , p3, p4] = stack.t.participants as [Wallet, Wallet, Wallet, Wallet];
  const ctx = await openTask([p3, p4]);
  const registry = stack.t.contracts.participants;
  await govern(stack.t, await registry.getAddress(), registry.interface.encodeFunctionData('remove', [ctx.taskId, p3.address]));
  const bytes = randomBytes(1024);
  expect(await upload(ctx, await signIn(ctx.base, p3), bytes, await signBytes(ctx, p3, bytes))).toMatchObject({ status: 403, body: { code: 'CLOISTER_ERR_NOT_ADMITTED' } });
});
