// Load benchmark (faults issue, "what must hold"): 1000 participants upload at once into one round through the real
// upload route (session auth, EIP-712 signature recovery, admission / round / deadline views and the on-chain
// commitment against a Hardhat node with the Cloister contracts, streaming hash into the filesystem store, the
// upload record in the store and Redis). Counts errors (must be 0), prints p50/p99 latency and the coordinator's
// peak RSS, next to the bare node:http hashing server (bareServer.ts) under the same 1000 concurrent uploads in the
// same run. Appends its rows to bench/latest.json: [{ name, value, unit, baseline, ratio }].
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Wallet, parseEther, toQuantity } from 'ethers';
import { until } from '@cloister/devstack';
import { signUpdateDigest } from '@cloister/protocol';
import { createTask, govern } from '../test/support/chain';
import { peakRss, percentile } from './benchProcesses';
import { printRows, runBench, timedPut, type PutResult, type Row } from './benchStack';

const UPLOADS = 1000;
const SIZE = 64 * 1024;
const ADMIT_BATCH = 50;

/** Runs `count` tasks at most `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(run));
}

runBench('cloister-load-', UPLOADS, async ({ t, agent, startCoordinator, startBare }) => {
  process.stdout.write(`setup: ${UPLOADS} participants (funded, admitted, committed, signed in)…\n`);
  const wallets = Array.from({ length: UPLOADS }, () => new Wallet(Wallet.createRandom().privateKey, t.provider));
  await inBatches(wallets, 100, async (w) => void (await t.provider.send('hardhat_setBalance', [w.address, toQuantity(parseEther('1'))])));
  const coordinator = await startCoordinator({ sessionSecret: 'load-bench-secret-0123456789abcdefghijkl', uploads: { commitmentWaitMs: 60_000 } });
  const base = coordinator.url;
  const taskId = await createTask(t, wallets.slice(0, ADMIT_BATCH), { roundDuration: 3600, minParticipants: 1, maxParticipants: UPLOADS + 1, numRounds: 1 });
  const registry = t.contracts.participants;
  for (let i = ADMIT_BATCH; i < UPLOADS; i += ADMIT_BATCH) {
    const batch = wallets.slice(i, i + ADMIT_BATCH).map((w) => w.address);
    await govern(t, await registry.getAddress(), registry.interface.encodeFunctionData('admitMany', [taskId, batch, batch.map((_, k) => `site-${i + k}`), batch.map(() => '')]));
  }
  await until('round 1 open', async () => (await t.contracts.taskManager.currentRound(taskId)) === 1n, 120_000, 200);
  const bodies = wallets.map(() => randomBytes(SIZE));
  const hashes = bodies.map((b) => `0x${createHash('sha256').update(b).digest('hex')}`);
  const tm = t.contracts.taskManager;
  await inBatches(wallets.map((w, i) => ({ w, i })), 50, async ({ w, i }) => void (await (await tm.connect(w).commit(taskId, 1n, hashes[i]!)).wait()));
  const headers: Record<string, string>[] = [];
  await inBatches(wallets.map((w, i) => ({ w, i })), 50, async ({ w, i }) => {
    const post = async (route: string, body: unknown) => {
      const res = await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, string>;
    };
    const { message } = await post('/v1/auth/nonce', { address: w.address });
    const { token } = await post('/v1/auth/verify', { message, signature: await w.signMessage(message!) });
    const signature = await signUpdateDigest(w, { chainId: 31337n, contractAddress: t.deployment.contracts.taskManager, taskId, round: 1n, ciphertextHash: hashes[i]! });
    headers[i] = { authorization: `Bearer ${token}`, 'x-cloister-signature': signature };
  });

  process.stdout.write(`bench: ${UPLOADS} concurrent ${SIZE / 1024} KB uploads, coordinator then bare server\n`);
  const route = `${base}/v1/tasks/${taskId}/rounds/1/updates`;
  let started = process.hrtime.bigint();
  const put = (url: string, h: Record<string, string>, body: Buffer) => timedPut(agent, url, h, body.length, (req) => req.end(body));
  const ours = await Promise.all(wallets.map((_, i) => put(route, headers[i]!, bodies[i]!)));
  const oursSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const errors = ours.filter((r) => r.status !== 200);
  const coordinatorPeak = peakRss(coordinator.child.pid!);

  const bare = await startBare();
  started = process.hrtime.bigint();
  const theirs = await Promise.all(wallets.map((_, i) => put(`${bare.url}/`, {}, bodies[i]!)));
  const bareSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const bareErrors = theirs.filter((r) => r.status !== 200);
  const barePeak = peakRss(bare.child.pid!);

  const p = (rs: PutResult[], q: number) => percentile(rs.map((r) => r.ms), q);
  const rows: Row[] = [
    { name: `load: errors in ${UPLOADS} concurrent uploads`, value: errors.length, unit: 'count', baseline: bareErrors.length, ratio: null },
    { name: `load: ${UPLOADS} concurrent uploads, wall time`, value: oursSeconds, unit: 's', baseline: bareSeconds, ratio: bareSeconds / oursSeconds },
    { name: 'load: upload latency p50', value: p(ours, 50), unit: 'ms', baseline: p(theirs, 50), ratio: p(theirs, 50) / p(ours, 50) },
    { name: 'load: upload latency p99', value: p(ours, 99), unit: 'ms', baseline: p(theirs, 99), ratio: p(theirs, 99) / p(ours, 99) },
    { name: 'load: peak RSS', value: coordinatorPeak / 2 ** 20, unit: 'MB', baseline: barePeak / 2 ** 20, ratio: coordinatorPeak / barePeak },
  ];
  const fmt = (n: number | null) => (n === null ? '' : Number.isInteger(n) ? String(n) : n >= 100 ? n.toFixed(0) : n.toFixed(2));
  printRows(rows, 'baseline (bare server)', fmt);
  if (errors.length > 0) process.stdout.write(`first errors: ${errors.slice(0, 5).map((e) => `${e.status} ${e.body}`).join(' | ')}\n`);
  const out = path.join(__dirname, 'latest.json');
  const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Row[]).filter((r) => !r.name.startsWith('load:')) : [];
  writeFileSync(out, `${JSON.stringify([...previous, ...rows], null, 2)}\n`);
  if (errors.length > 0) process.exitCode = 1;
});
