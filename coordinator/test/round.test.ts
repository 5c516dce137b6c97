// Integration: real redis-server, real Hardhat chain with the Cloister contracts, the coordinator in-process.
// A round runs open → uploads (with bad input racing) → deadline → aggregation job with exactly the committed set
// → finalize from an authorized ROFL origin → model published and announced on socket.io → accept → next round.
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ethers, Wallet } from 'ethers';
import { aggregatorAuthMessage, check, QUEUE, ROUND_STATE, RoundEventSchema, type AggregationJob } from '@cloister/protocol';
import type { RunningCoordinator } from '../src';
import { step, until } from '@cloister/devstack';
import { finalizeRoundInPages } from '@cloister/contracts';
import { createTask, type TestChain } from './support/chain';
import { http, sha256Hex, signBytes, signIn, upload, type UploadContext } from './support/client';
import { listen } from './support/socket';
import { startCoordinatorStack, type CoordinatorStack } from './support/stack';

jest.setTimeout(120_000);

const OPERATOR_TOKEN = 'operator-token-0123456789';
let t: TestChain;
let coordinator: RunningCoordinator;
let sock: Awaited<ReturnType<typeof listen>>;
let queueConn: Redis;
let aggregation: Queue<AggregationJob>;

let stack: CoordinatorStack;

beforeAll(async () => {
  stack = await startCoordinatorStack({
    name: 'cloister-coord',
    chain: { challengeWindow: 2 },
    config: {
      auth: { operatorToken: OPERATOR_TOKEN },
      uploads: { maxBytes: 1024 * 1024, maxBytesPerTask: { '1': 256 * 1024 }, commitmentWaitMs: 1500, commitmentPollMs: 100, graceSeconds: 0 },
      rounds: { uploadGraceMs: 3000, closeDelayMs: 300 },
    },
  });
  ({ t, coordinator, sock, queueConn } = stack);
  aggregation = new Queue<AggregationJob>(QUEUE.aggregation, { connection: queueConn });
});

afterAll(async () => {
  await aggregation?.close();
  await stack?.stop();
});

describe('a federated round through the coordinator', () => {
  // The round's stages are steps (devstack step(): each runs once, for the first test that needs it, after the stages
  // it builds on), so any one test runs alone and the tests run in any order; a stage's checks fail every test that
  // builds on it.
  let ctx: UploadContext;
  let p1: Wallet, p2: Wallet, p3: Wallet;
  let openedAt: bigint;
  const bytes1 = randomBytes(200 * 1024);
  const bytes2 = randomBytes(150 * 1024);

  it('serves health, readiness, OpenAPI and metrics', async () => {
    expect((await http(`${coordinator.url}/health`)).body).toEqual({ status: 'ok' });
    const ready = await http(`${coordinator.url}/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', redis: true, chain: true });
    const docs = await http(`${coordinator.url}/docs/json`);
    const paths = Object.keys(docs.body.paths as object);
    for (const p of ['/v1/auth/nonce', '/v1/auth/verify', '/v1/tasks', '/v1/tasks/{taskId}', '/v1/tasks/{taskId}/rounds/{round}', '/v1/blobs/{sha256}', '/v1/tasks/{taskId}/rounds/{round}/updates', '/v1/tasks/{taskId}/rounds/{round}/updates/{participant}']) {
      expect(paths).toContain(p);
    }
    const metrics = await fetch(`${coordinator.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('cloister_uploads_total');
    expect(metrics).toContain('cloister_queue_depth');
  });

  it('stores a task spec only once it validates, and says why it refuses one', async () => {
    const put = (body: Buffer, token = OPERATOR_TOKEN) =>
      http(`${coordinator.url}/v1/task-specs/${sha256Hex(body).slice(2)}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}` }, body });
    const statistics = Buffer.from(JSON.stringify({ version: 2, kind: 'statistics', name: 'stats', data: { features: ['age', 'chol'] } }));
    expect(await put(statistics)).toMatchObject({ status: 200, body: { sha256: sha256Hex(statistics), duplicate: false } });
    expect((await http(`${coordinator.url}/v1/blobs/${sha256Hex(statistics).slice(2)}`)).status).toBe(200);
    const emptyFeatures = Buffer.from(JSON.stringify({ version: 2, kind: 'statistics', name: 'stats', data: { features: [] } }));
    const refused = await put(emptyFeatures);
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'CLOISTER_ERR_TASK_SPEC_INVALID' });
    expect(String(refused.body.message)).toContain('/data/features');
    expect((await http(`${coordinator.url}/v1/blobs/${sha256Hex(emptyFeatures).slice(2)}`)).status).toBe(404);
    expect((await put(Buffer.from('not json'))).body).toMatchObject({ code: 'CLOISTER_ERR_TASK_SPEC_INVALID' });
    expect((await put(statistics, 'wrong-token-0123456789')).status).toBe(401);
  });

  const roundOpened = step(async () => {
    [p1, p2, p3] = t.participants as [Wallet, Wallet, Wallet];
    const taskId = await createTask(t, [p1, p2, p3], { roundDuration: 20, minParticipants: 2, maxParticipants: 5 });
    expect(taskId).toBe(1n);
    const opened = await sock.waitFor('round:opened', (p) => p.taskId === '1' && p.round === 1);
    expect(opened.deadline).toBeDefined();
    const round = await http(`${coordinator.url}/v1/tasks/1/rounds/1`);
    expect(round.body).toMatchObject({ state: ROUND_STATE.Open, committedCount: 0 });
    openedAt = BigInt(round.body.openedAt as number);
    const task = await http(`${coordinator.url}/v1/tasks/1`);
    expect(task.body).toMatchObject({ taskId: '1', currentRound: 1, minParticipants: 2, numRounds: 2 });
    expect((await http(`${coordinator.url}/v1/tasks`)).body.tasks).toHaveLength(1);
    ctx = { base: coordinator.url, chainId: 31337n, taskManager: t.deployment.contracts.taskManager, taskId: 1n, round: 1n };
  });
  it('opens round 1 when governance creates the task', () => roundOpened());

  const uploaded = step(async () => {
    await roundOpened();
    const tm = t.contracts.taskManager;
    const [tok1, tok2, tok3, tokOut] = await Promise.all([signIn(ctx.base, p1), signIn(ctx.base, p2), signIn(ctx.base, p3), signIn(ctx.base, t.outsider)]);
    // p1 uploads before its commit is mined: the coordinator waits for the commitment.
    const sig1 = await signBytes(ctx, p1, bytes1);
    const up1 = upload(ctx, tok1, bytes1, sig1);
    await (await tm.connect(p1).commit(1n, 1n, sha256Hex(bytes1))).wait();
    expect(await up1).toMatchObject({ status: 200, body: { ciphertextHash: sha256Hex(bytes1), size: bytes1.length, duplicate: false } });

    await (await tm.connect(p2).commit(1n, 1n, sha256Hex(bytes2))).wait();
    const sig2 = await signBytes(ctx, p2, bytes2);
    const junk = randomBytes(1000);
    const [valid, unsigned, forged, notAdmitted, wrongRound, oversize, notCommitted, unknownTask, malformed, noSession, wrongType] = await Promise.all([
      upload(ctx, tok2, bytes2, sig2),
      upload(ctx, tok2, bytes2, null),
      upload(ctx, tok2, bytes2, await signBytes(ctx, p3, bytes2)),
      upload(ctx, tokOut, junk, await signBytes(ctx, t.outsider, junk)),
      upload(ctx, tok3, junk, await signBytes({ ...ctx, round: 2n }, p3, junk), { round: 2n }),
      upload(ctx, tok3, randomBytes(300 * 1024), sig2),
      upload(ctx, tok3, junk, await signBytes(ctx, p3, junk)),
      upload(ctx, tok3, junk, await signBytes({ ...ctx, taskId: 99n }, p3, junk), { taskId: 99n }),
      http(`${ctx.base}/v1/auth/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message": "x", "signature": ' }),
      upload(ctx, null, junk, await signBytes(ctx, p3, junk)),
      upload(ctx, tok3, junk, await signBytes(ctx, p3, junk), { headers: { 'content-type': 'text/plain' } }),
    ]);
    expect(valid).toMatchObject({ status: 200, body: { ciphertextHash: sha256Hex(bytes2), duplicate: false } });
    expect(unsigned).toMatchObject({ status: 401, body: { code: 'CLOISTER_ERR_UPLOAD_SIGNATURE_MISSING', statusCode: 401, error: 'Unauthorized' } });
    expect(forged).toMatchObject({ status: 401, body: { code: 'CLOISTER_ERR_UPLOAD_SIGNATURE_INVALID' } });
    expect(notAdmitted).toMatchObject({ status: 403, body: { code: 'CLOISTER_ERR_NOT_ADMITTED' } });
    expect(wrongRound).toMatchObject({ status: 409, body: { code: 'CLOISTER_ERR_ROUND_MISMATCH' } });
    expect(oversize).toMatchObject({ status: 413, body: { code: 'CLOISTER_ERR_UPLOAD_TOO_LARGE' } });
    expect(notCommitted).toMatchObject({ status: 409, body: { code: 'CLOISTER_ERR_HASH_NOT_COMMITTED' } });
    expect(unknownTask).toMatchObject({ status: 404, body: { code: 'CLOISTER_ERR_TASK_NOT_FOUND' } });
    expect(malformed).toMatchObject({ status: 400, body: { code: 'CLOISTER_ERR_MALFORMED_JSON' } });
    expect(noSession).toMatchObject({ status: 401, body: { code: 'CLOISTER_ERR_AUTH_REQUIRED' } });
    expect(wrongType.status).toBe(415);

    // Idempotent re-upload, and different bytes for the same participant.
    expect(await upload(ctx, tok1, bytes1, sig1)).toMatchObject({ status: 200, body: { duplicate: true } });
    const other = randomBytes(1000);
    expect(await upload(ctx, tok1, other, await signBytes(ctx, p1, other))).toMatchObject({ status: 409, body: { code: 'CLOISTER_ERR_UPDATE_CONFLICT' } });

    // A replayed sign-in nonce is refused.
    const n = await http(`${ctx.base}/v1/auth/nonce`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: p3.address }) });
    const message = n.body.message as string;
    const body = JSON.stringify({ message, signature: await p3.signMessage(message) });
    const post = () => http(`${ctx.base}/v1/auth/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post()).status).toBe(200);
    expect(await post()).toMatchObject({ status: 401, body: { code: 'CLOISTER_ERR_NONCE_INVALID' } });
    expect(await http(`${ctx.base}/v1/auth/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message, signature: await p2.signMessage(message) }) })).toMatchObject({ status: 401, body: { code: 'CLOISTER_ERR_SIGNIN_SIGNATURE_INVALID' } });

    // The service still answers, and counted the rejections.
    expect((await http(`${ctx.base}/health`)).status).toBe(200);
    const metrics = await fetch(`${ctx.base}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/cloister_rejections_total\{code="CLOISTER_ERR_NOT_ADMITTED"\} 1/);
    expect(metrics).toMatch(/cloister_uploads_total\{duplicate="false"\} 2/);
  });
  it('accepts committed, signed uploads while bad input is rejected with codes, concurrently', () => uploaded());

  const closed = step(async () => {
    await uploaded();
    await sock.waitFor('round:closing', (p) => p.taskId === '1' && p.round === 1, 30_000);
    await sock.waitFor('round:closed', (p) => p.taskId === '1' && p.round === 1);
    const jobId = `aggregate-1-1-${openedAt}`;
    const job = await until('aggregation job', () => aggregation.getJob(jobId));
    expect(job.name).toBe('aggregate-round');
    const committed = await t.contracts.taskManager.committedParticipants(1n, 1n);
    expect(job.data).toMatchObject({ taskId: '1', round: 1, chainId: '31337', taskManager: ethers.getAddress(t.deployment.contracts.taskManager) });
    expect(job.data.updates.map((u) => u.participant).sort()).toEqual([...committed].map((a) => ethers.getAddress(a)).sort());
    expect(new Map(job.data.updates.map((u) => [u.participant, [u.ciphertextHash, u.size]]))).toEqual(
      new Map([
        [p1.address, [sha256Hex(bytes1), bytes1.length]],
        [p2.address, [sha256Hex(bytes2), bytes2.length]],
      ]),
    );
    expect(await aggregation.getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed')).toMatchObject({ waiting: 1 });
    // After the deadline, uploads are refused.
    const late = randomBytes(100);
    const tok3 = await signIn(ctx.base, p3);
    expect(await upload(ctx, tok3, late, await signBytes(ctx, p3, late))).toMatchObject({ status: 409, body: { code: 'CLOISTER_ERR_ROUND_DEADLINE_PASSED' } });
  });
  it('closes at the deadline and enqueues one aggregation job with exactly the committed set', () => closed());

  const finalized = step(async () => {
    await closed();
    const job = (await aggregation.getJob(`aggregate-1-1-${openedAt}`))!;
    const agg = t.aggregatorWallet;
    const signed = async (method: string, p: string) => {
      const ts = Date.now();
      return { 'x-cloister-aggregator-timestamp': String(ts), 'x-cloister-aggregator-signature': await agg.signMessage(aggregatorAuthMessage(method, p, ts)) };
    };
    const loc = job.data.updates.find((u) => u.participant === p1.address)!.location;
    const res = await fetch(`${coordinator.url}${loc}`, { headers: await signed('GET', loc) });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes1)).toBe(true);
    expect(res.headers.get('x-cloister-signature')).toBe(await signBytes(ctx, p1, bytes1));
    expect((await http(`${coordinator.url}${loc}`)).body).toMatchObject({ code: 'CLOISTER_ERR_AGGREGATOR_AUTH_INVALID' });
    const byOutsider = { 'x-cloister-aggregator-timestamp': String(Date.now()), 'x-cloister-aggregator-signature': await t.outsider.signMessage(aggregatorAuthMessage('GET', loc, Date.now())) };
    expect((await http(`${coordinator.url}${loc}`, { headers: byOutsider })).status).toBe(401);

    const model = randomBytes(64 * 1024);
    const hex = sha256Hex(model).slice(2);
    const blobPath = `/v1/blobs/${hex}`;
    expect((await http(`${coordinator.url}${blobPath}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: model })).body).toMatchObject({ code: 'CLOISTER_ERR_BLOB_AUTH_INVALID' });
    expect((await http(`${coordinator.url}/v1/blobs/${'0'.repeat(64)}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${OPERATOR_TOKEN}` }, body: model })).body).toMatchObject({ code: 'CLOISTER_ERR_BLOB_HASH_MISMATCH' });
    const put = await http(`${coordinator.url}${blobPath}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', ...(await signed('PUT', blobPath)) }, body: model });
    expect(put).toMatchObject({ status: 200, body: { sha256: `0x${hex}`, size: model.length, duplicate: false } });

    const tm = t.contracts.taskManager.connect(t.aggregator);
    await finalizeRoundInPages(tm, { taskId: 1n, round: 1n, modelHash: `0x${hex}`, modelUri: `blobs/${hex}`, metricsHash: ethers.id('metrics'), included: [p1.address, p2.address], scores: [600_000, 400_000], excluded: [], reasons: [] });
    const finalized = await sock.waitFor('round:finalized', (p) => p.taskId === '1' && p.round === 1);
    expect(finalized.modelHash).toBe(`0x${hex}`);
    const available = await sock.waitFor('model:available', (p) => p.taskId === '1');
    expect(available).toMatchObject({ round: 1, modelHash: `0x${hex}`, modelUri: `blobs/${hex}` });
    const dl = await fetch(`${coordinator.url}/v1/${available.modelUri as string}`);
    expect(dl.status).toBe(200);
    expect(sha256Hex(Buffer.from(await dl.arrayBuffer()))).toBe(`0x${hex}`);
    expect((await http(`${coordinator.url}/v1/blobs/${'1'.repeat(64)}`)).body).toMatchObject({ code: 'CLOISTER_ERR_BLOB_NOT_FOUND' });
  });
  it('lets the aggregator fetch ciphertexts, publish the model and finalize; clients hear about it', () => finalized());

  const accepted = step(async () => {
    await finalized();
    await sock.waitFor('round:accepted', (p) => p.taskId === '1' && p.round === 1, 30_000);
    await sock.waitFor('round:opened', (p) => p.taskId === '1' && p.round === 2, 30_000);
    expect((await http(`${coordinator.url}/v1/tasks/1`)).body).toMatchObject({ currentRound: 2 });
  });
  it('accepts the round after the challenge window and opens the next one', () => accepted());

  it('sent only RoundEvent-shaped payloads, each naming its event', async () => {
    await accepted();
    expect(sock.events.length).toBeGreaterThan(8);
    const names = new Set(sock.events.map((e) => e.event));
    for (const name of ['round:opened', 'round:closing', 'round:closed', 'round:finalized', 'model:available', 'round:accepted', 'task:status']) {
      expect([name, names.has(name)]).toEqual([name, true]);
    }
    for (const { event, payload } of sock.events) {
      expect([event, check(RoundEventSchema, payload)]).toEqual([event, true]);
      expect(payload.event).toBe(event);
    }
    const statuses = sock.events.filter((e) => e.event === 'task:status').map((e) => e.payload.status);
    expect(statuses).toEqual(expect.arrayContaining(['TaskCreated', 'UpdateCommitted']));
  });
});
