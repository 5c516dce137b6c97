// Integration (faults issue item 7): a hostile client against the real coordinator stack. Edited sign-in messages,
// tokens with characters appended and task ids beyond uint256 are refused with 400/401 (not accepted, not 500); the
// nonce route is rate limited per account (many accounts behind one address still sign in); one socket cannot join
// unbounded rooms, while a dashboard watches every task with one subscription.
import type { Wallet } from 'ethers';
import { io } from 'socket.io-client';
import { createTask } from './support/chain';
import { http, signIn } from './support/client';
import { startCoordinatorStack, type CoordinatorStack } from './support/stack';
import { Wallet as EthersWallet } from 'ethers';

jest.setTimeout(120_000);

let stack: CoordinatorStack;
let base: string;

beforeAll(async () => {
  stack = await startCoordinatorStack({
    name: 'cloister-hostile',
    config: {
      rounds: { automate: false },
      rateLimits: { nonce: { max: 3, windowMs: 600_000 } },
      socket: { maxRoomsPerConnection: 5 },
    },
  });
  base = stack.coordinator.url;
});

afterAll(async () => {
  await stack?.stop();
});

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function issued(wallet: { address: string }): Promise<string> {
  const res = await http(`${base}/v1/auth/nonce`, json({ address: wallet.address }));
  expect(res.status).toBe(200);
  return res.body.message as string;
}

it('refuses sign-in messages that differ from the issued one (statement, Issued At, Expiration Time)', async () => {
  const [p1] = stack.t.participants as [Wallet];
  const edits: Array<(m: string) => string> = [
    (m) => m.replace(/^Sign in to the Cloister coordinator.*$/m, 'I agree to give away my rewards.'),
    (m) => m.replace(/^Issued At: .*$/m, 'Issued At: 2020-01-01T00:00:00.000Z'),
    (m) => m.replace(/^Expiration Time: .*$/m, 'Expiration Time: 2099-01-01T00:00:00.000Z'),
  ];
  for (const edit of edits) {
    const message = edit(await issued(p1));
    const res = await http(`${base}/v1/auth/verify`, json({ message, signature: await p1.signMessage(message) }));
    expect(res).toMatchObject({ status: 400, body: { code: 'CLOISTER_ERR_SIGNIN_MESSAGE_INVALID' } });
  }
  // An expiration moved into the past is refused for its time before anything else.
  const expired = (await issued(stack.t.participants[1]!)).replace(/^Expiration Time: .*$/m, 'Expiration Time: 2020-01-01T00:05:00.000Z');
  const res = await http(`${base}/v1/auth/verify`, json({ message: expired, signature: await stack.t.participants[1]!.signMessage(expired) }));
  expect(res).toMatchObject({ status: 400, body: { code: 'CLOISTER_ERR_SIGNIN_MESSAGE_INVALID' } });
  expect(String(res.body.message)).toMatch(/expired/);
});

it('limits nonces per account, not per address: the fourth for one account is 429, 40 other accounts are served', async () => {
  const [, , p3] = stack.t.participants as [Wallet, Wallet, Wallet];
  for (let i = 0; i < 3; i++) await issued(p3);
  const limited = await fetch(`${base}/v1/auth/nonce`, json({ address: p3.address }));
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toMatch(/^[0-9]+$/);
  expect(await limited.json()).toMatchObject({ code: 'CLOISTER_ERR_RATE_LIMITED' });
  // Many participants behind the same address (all of these come from 127.0.0.1) each have their own budget.
  const others = Array.from({ length: 40 }, () => EthersWallet.createRandom());
  const answers = await Promise.all(others.map((w) => http(`${base}/v1/auth/nonce`, json({ address: w.address }))));
  expect(answers.map((a) => a.status)).toEqual(others.map(() => 200));
});

it('refuses a session token with characters appended', async () => {
  const p4 = stack.t.participants[3]!;
  const token = await signIn(base, p4);
  const res = await http(`${base}/v1/tasks/1/rounds/1/updates`, { method: 'PUT', headers: { authorization: `Bearer ${token}AA`, 'content-type': 'application/octet-stream', 'x-cloister-signature': `0x${'11'.repeat(65)}` }, body: new Uint8Array(4) });
  expect(res).toMatchObject({ status: 401, body: { code: 'CLOISTER_ERR_SESSION_INVALID' } });
});

it('answers 400 for a task id above 2^256 − 1 or a round above 2^64 − 1 (was 500)', async () => {
  const tooBig = ((1n << 256n) + 5n).toString();
  expect(await http(`${base}/v1/tasks/${tooBig}`)).toMatchObject({ status: 400, body: { code: 'CLOISTER_ERR_REQUEST_INVALID' } });
  expect(await http(`${base}/v1/tasks/${tooBig}/rounds/1`)).toMatchObject({ status: 400, body: { code: 'CLOISTER_ERR_REQUEST_INVALID' } });
  expect(await http(`${base}/v1/tasks/1/rounds/${(1n << 64n).toString()}`)).toMatchObject({ status: 400, body: { code: 'CLOISTER_ERR_REQUEST_INVALID' } });
  expect((await http(`${base}/v1/tasks/${((1n << 256n) - 1n).toString()}`)).status).toBe(404);
});

it('bounds the rooms of one socket; { all: true } watches every task with one room', async () => {
  const socket = io(base, { transports: ['websocket'], reconnection: false });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const subscribe = (payload: unknown) => socket.timeout(5000).emitWithAck('subscribe', payload) as Promise<{ ok: boolean; code?: string }>;
    for (let i = 1; i <= 5; i++) expect(await subscribe({ taskId: String(1000 + i) })).toMatchObject({ ok: true });
    expect(await subscribe({ taskId: '1001' })).toMatchObject({ ok: true }); // joined already: no new room
    expect(await subscribe({ taskId: '2000' })).toMatchObject({ ok: false, code: 'CLOISTER_ERR_SOCKET_ROOM_LIMIT' });
    expect(await socket.timeout(5000).emitWithAck('unsubscribe', { taskId: '1005' })).toMatchObject({ ok: true });
    expect(await subscribe({ all: true })).toMatchObject({ ok: true, room: 'tasks:all' });
    // A task this socket never subscribed to by id: its event arrives through the all-tasks room.
    const seen = new Promise<Record<string, unknown>>((resolve) => socket.on('task:status', (p: Record<string, unknown>) => resolve(p)));
    const [p1, p2] = stack.t.participants as [Wallet, Wallet];
    const taskId = await createTask(stack.t, [p1, p2], { roundDuration: 600 });
    expect(await seen).toMatchObject({ taskId: String(taskId), status: 'TaskCreated' });
  } finally {
    socket.close();
  }
});
