// Load benchmark (faults issue, "what must hold"): 1000 participants upload at once into one round through the real
// upload route (session auth, EIP-712 signature recovery, admission / round / deadline views and the on-chain
// commitment against a Hardhat node with the Cloister contracts, streaming hash into the filesystem store, the
// upload record in the store and Redis). Counts errors (must be 0), prints p50/p99 latency and the coordinator's
// peak RSS, next to the bare node:http hashing server (bareServer.ts) under the same 1000 concurrent uploads in the
// same run. Appends its rows to bench/latest.json: [{ name, value, unit, baseline, ratio }].
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Wallet, parseEther, toQuantity } from 'ethers';
import { spawnRedis, until } from '@cloister/devstack';
import { signUpdateDigest } from '@cloister/protocol';
import { createTask, govern, startTestChain } from '../test/support/chain';
import { spawnCoordinator } from '../test/support/process';
import { type BareServer, peakRss, percentile, spawnBare } from './benchProcesses';

const UPLOADS = 1000;
const SIZE = 64 * 1024;
const ADMIT_BATCH = 50;

type Row = { name: string; value: number; unit: string; baseline: number | null; ratio: number | null };
type Result = { status: number; ms: number; body: string };

const agent = new http.Agent({ keepAlive: true, maxSockets: UPLOADS });

function put(url: string, headers: Record<string, string>, body: Buffer): Promise<Result> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, { method: 'PUT', agent, headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(body.length) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6, body: text }));
    });
    req.on('error', (err) => resolve({ status: 0, ms: Number(process.hrtime.bigint() - started) / 1e6, body: err.message }));
    req.end(body);
  });
}

/** Runs `count` tasks at most `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(run));
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'cloister-load-'));
  const redis = await spawnRedis();
  const t = await startTestChain({ challengeWindow: 600 });
  let coordinator: Awaited<ReturnType<typeof spawnCoordinator>> | null = null;
  let bare: BareServer | null = null;
  try {
    process.stdout.write(`setup: ${UPLOADS} participants (funded, admitted, committed, signed in)…\n`);
    const wallets = Array.from({ length: UPLOADS }, () => new Wallet(Wallet.createRandom().privateKey, t.provider));
    await inBatches(wallets, 100, async (w) => void (await t.provider.send('hardhat_setBalance', [w.address, toQuantity(parseEther('1'))])));
    coordinator = await spawnCoordinator({
      host: '127.0.0.1',
      port: 0,
      logLevel: 'error',
      redis: { url: redis.url },
      chain: { rpcUrl: t.chain.rpcUrl, contracts: t.deployment.contracts, startBlock: t.deployment.blockNumber, confirmations: 0, pollIntervalMs: 500, operatorPrivateKey: t.operator.privateKey },
      store: { kind: 'filesystem', directory: path.join(tmp, 'store') },
      auth: { sessionSecret: 'load-bench-secret-0123456789abcdefghijkl' },
      uploads: { commitmentWaitMs: 60_000 },
    });
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
    const ours = await Promise.all(wallets.map((_, i) => put(route, headers[i]!, bodies[i]!)));
    const oursSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const errors = ours.filter((r) => r.status !== 200);
    const coordinatorPeak = peakRss(coordinator.child.pid!);

    bare = await spawnBare();
    started = process.hrtime.bigint();
    const theirs = await Promise.all(wallets.map((_, i) => put(`${bare!.url}/`, {}, bodies[i]!)));
    const bareSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const bareErrors = theirs.filter((r) => r.status !== 200);
    const barePeak = peakRss(bare.child.pid!);

    const p = (rs: Result[], q: number) => percentile(rs.map((r) => r.ms), q);
    const rows: Row[] = [
      { name: `load: errors in ${UPLOADS} concurrent uploads`, value: errors.length, unit: 'count', baseline: bareErrors.length, ratio: null },
      { name: `load: ${UPLOADS} concurrent uploads, wall time`, value: oursSeconds, unit: 's', baseline: bareSeconds, ratio: bareSeconds / oursSeconds },
      { name: 'load: upload latency p50', value: p(ours, 50), unit: 'ms', baseline: p(theirs, 50), ratio: p(theirs, 50) / p(ours, 50) },
      { name: 'load: upload latency p99', value: p(ours, 99), unit: 'ms', baseline: p(theirs, 99), ratio: p(theirs, 99) / p(ours, 99) },
      { name: 'load: peak RSS', value: coordinatorPeak / 2 ** 20, unit: 'MB', baseline: barePeak / 2 ** 20, ratio: coordinatorPeak / barePeak },
    ];
    const fmt = (n: number | null) => (n === null ? '' : Number.isInteger(n) ? String(n) : n >= 100 ? n.toFixed(0) : n.toFixed(2));
    process.stdout.write(`\n| benchmark | value | unit | baseline (bare server) | ratio |\n|---|---|---|---|---|\n`);
    for (const r of rows) process.stdout.write(`| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${fmt(r.baseline)} | ${fmt(r.ratio)} |\n`);
    if (errors.length > 0) process.stdout.write(`first errors: ${errors.slice(0, 5).map((e) => `${e.status} ${e.body}`).join(' | ')}\n`);
    const out = path.join(__dirname, 'latest.json');
    const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Row[]).filter((r) => !r.name.startsWith('load:')) : [];
    writeFileSync(out, `${JSON.stringify([...previous, ...rows], null, 2)}\n`);
    if (errors.length > 0) process.exitCode = 1;
  } finally {
    agent.destroy();
    bare?.child.kill('SIGTERM');
    await coordinator?.kill();
    await t.stop();
    await redis.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
