// Integration (performance issue 17): the upload route takes a participant's commitment from the chain watcher's
// record of the commit event instead of an eth_call per upload, and reads the chain when the watcher has not seen the
// commit yet or its record disagrees, so the watcher can spare the chain call but never refuse an upload.
import { randomBytes } from 'node:crypto';
import type { Wallet } from 'ethers';
import { until } from '@cloister/devstack';
import { createTask } from './support/chain';
import { sha256Hex, signBytes, signIn, upload, type UploadContext } from './support/client';
import { startCoordinatorStack, type CoordinatorStack } from './support/stack';

jest.setTimeout(120_000);

let stack: CoordinatorStack;
let ctx: UploadContext;
let taskId: bigint;
let wallets: Wallet[];

beforeAll(async () => {
  stack = await startCoordinatorStack({
    name: 'cloister-commitment-source',
    config: { uploads: { commitmentWaitMs: 500, commitmentPollMs: 100, graceSeconds: 0 }, rounds: { uploadGraceMs: 60_000 } },
  });
  const { t, coordinator, sock } = stack;
  // Five admitted, at most six: the round stays open however many of them commit.
  wallets = [...t.participants, t.wallet(9)];
  taskId = await createTask(t, wallets, { roundDuration: 600, minParticipants: 1, maxParticipants: 6 });
  await sock.waitFor('round:opened', (p) => p.taskId === String(taskId) && p.round === 1);
  ctx = { base: coordinator.url, chainId: 31337n, taskManager: t.deployment.contracts.taskManager, taskId, round: 1n };
});

afterAll(async () => {
  jest.restoreAllMocks();
  await stack?.stop();
});

afterEach(() => {
  jest.restoreAllMocks();
  stack.coordinator.watcher.start(); // a test that stopped it leaves the next one a running watcher
});

const commit = async (who: Wallet, bytes: Buffer) => (await stack.t.contracts.taskManager.connect(who).commit(taskId, 1n, sha256Hex(bytes))).wait();
const seen = (who: Wallet) => stack.coordinator.app.commitments.seen(taskId, 1n, who.address);
const chainReads = () => jest.spyOn(stack.coordinator.app.chain, 'commitmentOf');
const recordKey = () => `${stack.coordinator.config.redis.keyPrefix}commitments:${taskId}:1`;
const deadline = async () => (await stack.t.contracts.taskManager.getRound(taskId, 1n)).deadline;
const uploadAs = async (who: Wallet, bytes: Buffer) => upload(ctx, await signIn(ctx.base, who), bytes, await signBytes(ctx, who, bytes));

it('accepts an upload whose commitment the watcher saw, without a chain read', async () => {
  const p = wallets[0]!;
  const bytes = randomBytes(32 * 1024);
  await commit(p, bytes);
  await until('the watcher saw the commit', async () => (await seen(p)) !== null);
  expect(await seen(p)).toEqual({ deadline: await deadline(), ciphertextHash: sha256Hex(bytes) });
  const reads = chainReads();
  expect(await uploadAs(p, bytes)).toMatchObject({ status: 200, body: { ciphertextHash: sha256Hex(bytes), duplicate: false } });
  expect(reads).not.toHaveBeenCalled();
});

it('accepts an upload whose commit the watcher has not seen yet, from the chain', async () => {
  const p = wallets[1]!;
  await stack.coordinator.watcher.stop();
  const bytes = randomBytes(32 * 1024);
  await commit(p, bytes);
  const reads = chainReads();
  expect(await uploadAs(p, bytes)).toMatchObject({ status: 200, body: { ciphertextHash: sha256Hex(bytes), duplicate: false } });
  expect(reads).toHaveBeenCalled();
  expect(await seen(p)).toBeNull();
});

it('refuses bytes other than the commitment the watcher saw', async () => {
  const p = wallets[2]!;
  const committed = randomBytes(32 * 1024);
  await commit(p, committed);
  await until('the watcher saw the commit', async () => (await seen(p)) !== null);
  const other = randomBytes(32 * 1024);
  expect(await uploadAs(p, other)).toMatchObject({ status: 409, body: { code: 'CLOISTER_ERR_UPDATE_CONFLICT' } });
});

it('takes the chain’s word over a record of another opening or with another hash', async () => {
  const p = wallets[3]!;
  await stack.coordinator.watcher.stop(); // nothing overwrites the records this test plants
  const bytes = randomBytes(32 * 1024);
  // A record of an earlier opening with these very bytes, and no commitment on chain: refused.
  await stack.queueConn.hset(recordKey(), p.address, `${(await deadline()) - 1n}:${sha256Hex(bytes)}`);
  expect(await uploadAs(p, bytes)).toMatchObject({ status: 409, body: { code: 'CLOISTER_ERR_HASH_NOT_COMMITTED' } });
  // Committed on chain, while the record (of this opening) names other bytes: accepted.
  await commit(p, bytes);
  await stack.queueConn.hset(recordKey(), p.address, `${await deadline()}:${sha256Hex(randomBytes(32))}`);
  expect(await uploadAs(p, bytes)).toMatchObject({ status: 200, body: { ciphertextHash: sha256Hex(bytes), duplicate: false } });
});
