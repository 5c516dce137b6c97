// Upload benchmark: 50 concurrent 4 MB uploads through the real upload route (session auth, EIP-712 signature,
// admission, round and on-chain commitment checks against a local Hardhat chain with the Cloister contracts,
// streaming hash + filesystem store, Redis record) next to a bare node:http server that only hashes the bytes and
// one that also stores each body in a file, all in child processes, same run: throughput and each server's CPU time
// per MB. Then the coordinator's peak RSS while one upload grows 4 MB → 256 MB.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { Wallet, ethers } from 'ethers';
import { signUpdateDigest } from '@cloister/protocol';
import { createTask, type TestChain } from '../test/support/chain';
import { signIn, type UploadContext } from '../test/support/client';
import { cpuMillisecondsOf, percentile, rssOf } from './benchProcesses';
import { printRows, runBench, timedPut, withAgent, type Row } from './benchStack';

const MB = 1024 * 1024;
const CONCURRENCY = 50;
const SIZE = 4 * MB;
const CHUNK = 256 * 1024;
const REPEATS = 3;

/** Deterministic pseudo-random bytes, generated chunk by chunk (never the whole body in memory). */
function* chunks(seed: number, size: number): Generator<Buffer> {
  const block = createHash('sha512').update(String(seed)).digest();
  const base = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i += block.length) block.copy(base, i);
  for (let off = 0, n = 0; off < size; off += CHUNK, n++) {
    const c = Buffer.from(base.subarray(0, Math.min(CHUNK, size - off)));
    c.writeUInt32LE(n, 0);
    c.writeUInt32LE(seed, 4);
    yield c;
  }
}

function hashOf(seed: number, size: number): string {
  const h = createHash('sha256');
  for (const c of chunks(seed, size)) h.update(c);
  return `0x${h.digest('hex')}`;
}

/** Writes the body chunk by chunk as the request drains, then ends it. */
function stream(req: http.ClientRequest, seed: number, size: number): void {
  const it = chunks(seed, size);
  const pump = () => {
    for (;;) {
      const next = it.next();
      if (next.done) return void req.end();
      if (!req.write(next.value)) return void req.once('drain', pump);
    }
  };
  pump();
}

/** A task (one long round) with `wallets` admitted; returns its id. */
function prepareTask(t: TestChain, wallets: Wallet[]): Promise<bigint> {
  return createTask(t, wallets, { roundDuration: 3600, minParticipants: 1, maxParticipants: wallets.length, numRounds: 1 });
}

runBench('cloister-bench-', CONCURRENCY, async ({ t, startCoordinator, startBare }) => {
  /** PUTs a streamed body; resolves with status and elapsed ms. */
  const put = (agent: http.Agent, url: string, headers: Record<string, string>, seed: number, size: number) => timedPut(agent, url, headers, size, (req) => stream(req, seed, size));
  // Each run opens its own keep-alive connections (both servers alike): see withAgent.
  process.stdout.write('setup: funding 60 participant accounts, creating tasks, committing hashes…\n');
  const wallets = Array.from({ length: CONCURRENCY + 4 }, () => new Wallet(Wallet.createRandom().privateKey, t.provider));
  for (const w of wallets) await (await t.deployer.sendTransaction({ to: w.address, value: ethers.parseEther('1') })).wait();
  const coordinator = await startCoordinator({ sessionSecret: 'bench-secret-0123456789abcdefghijklmnop', uploads: { maxBytes: 300 * MB } });
  const base = coordinator.url;

  // Task 1: warm-up (4 participants); tasks 2-4: three measured runs of 50, interleaved with the baseline;
  // task 5: growing sizes (4 participants).
  const warm = wallets.slice(0, 4);
  const main50 = wallets.slice(4, 4 + CONCURRENCY);
  const grow = wallets.slice(0, 4);
  const growSizes = [4 * MB, 16 * MB, 64 * MB, 256 * MB];
  const tasks: { id: bigint; who: Wallet[]; sizes: number[]; seeds: number[] }[] = [];
  let seed = 1;
  for (const [who, sizes] of [
    [warm, warm.map(() => SIZE)],
    ...Array.from({ length: REPEATS }, () => [main50, main50.map(() => SIZE)]),
    [grow, growSizes],
  ] as [Wallet[], number[]][]) {
    const seeds = who.map(() => seed++);
    tasks.push({ id: await prepareTask(t, who), who, sizes, seeds });
  }
  // Wait until the coordinator opened round 1 of each task, then commit every hash.
  for (const task of tasks) {
    for (;;) {
      if ((await t.contracts.taskManager.currentRound(task.id)) === 1n) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await Promise.all(
      task.who.map(async (w, i) => (await t.contracts.taskManager.connect(w).commit(task.id, 1n, hashOf(task.seeds[i]!, task.sizes[i]!))).wait()),
    );
  }
  const tokens = new Map<string, string>();
  for (const w of wallets) tokens.set(w.address, await signIn(base, w));
  const ctxOf = (taskId: bigint): UploadContext => ({ base, chainId: 31337n, taskManager: t.deployment.contracts.taskManager, taskId, round: 1n });
  const headersFor = async (taskId: bigint, w: Wallet, s: number, size: number) => {
    const sig = await signUpdateDigestFor(ctxOf(taskId), w, hashOf(s, size));
    return { authorization: `Bearer ${tokens.get(w.address)}`, 'x-cloister-signature': sig };
  };
  // pid: the server's process, whose CPU time (all its threads: the file system's pool too) is read around the run.
  const runTask = async (url: (taskId: bigint) => string, task: (typeof tasks)[number], bareRun: boolean, pid: number) => {
    const cpuBefore = cpuMillisecondsOf(pid);
    const headers = bareRun ? task.who.map(() => ({})) : await Promise.all(task.who.map((w, i) => headersFor(task.id, w, task.seeds[i]!, task.sizes[i]!)));
    const { results, wall } = await withAgent(CONCURRENCY, async (agent) => {
      const started = process.hrtime.bigint();
      const results = await Promise.all(task.who.map((_, i) => put(agent, url(task.id), headers[i]!, task.seeds[i]!, task.sizes[i]!)));
      return { results, wall: Number(process.hrtime.bigint() - started) / 1e9 };
    });
    for (const r of results) if (r.status !== 200) throw new Error(`upload failed: ${r.status} ${r.body}`);
    const bytes = task.sizes.reduce((a, b) => a + b, 0);
    const cpuPerMB = (cpuMillisecondsOf(pid) - cpuBefore) / (bytes / MB);
    return { mbps: bytes / MB / wall, cpuPerMB, p50: percentile(results.map((r) => r.ms), 50), p99: percentile(results.map((r) => r.ms), 99) };
  };
  const route = (taskId: bigint) => `${base}/v1/tasks/${taskId}/rounds/1/updates`;

  process.stdout.write(`bench: warm-up, then ${REPEATS} × (coordinator, bare server, bare server that also stores) runs of 50 × 4 MB concurrent\n`);
  const bare = await startBare();
  const bareStoring = await startBare({ store: true });
  const bareUrl = () => `${bare.url}/`;
  const bareStoringUrl = () => `${bareStoring.url}/`;
  const coordinatorPid = coordinator.child.pid!;
  await runTask(route, tasks[0]!, false, coordinatorPid);
  await runTask(bareUrl, tasks[0]!, true, bare.child.pid!);
  await runTask(bareStoringUrl, tasks[0]!, true, bareStoring.child.pid!);
  const coordRuns: Awaited<ReturnType<typeof runTask>>[] = [];
  const bareRuns: Awaited<ReturnType<typeof runTask>>[] = [];
  const storingRuns: Awaited<ReturnType<typeof runTask>>[] = [];
  for (let i = 1; i <= REPEATS; i++) {
    coordRuns.push(await runTask(route, tasks[i]!, false, coordinatorPid));
    bareRuns.push(await runTask(bareUrl, tasks[i]!, true, bare.child.pid!));
    storingRuns.push(await runTask(bareStoringUrl, tasks[i]!, true, bareStoring.child.pid!));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const medians = (runs: typeof coordRuns) => ({ mbps: median(runs.map((r) => r.mbps)), cpuPerMB: median(runs.map((r) => r.cpuPerMB)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) });
  const coord = medians(coordRuns);
  const baseline = medians(bareRuns);
  const storing = medians(storingRuns);
  const list = (runs: typeof coordRuns) => runs.map((r) => r.mbps.toFixed(1)).join(', ');
  process.stdout.write(`runs (MB/s): coordinator ${list(coordRuns)}; bare ${list(bareRuns)}; bare that also stores ${list(storingRuns)}\n`);

  process.stdout.write('bench: peak RSS of the coordinator while one upload grows 4 → 256 MB\n');
  const rss: { size: number; peak: number }[] = [];
  const g = tasks[tasks.length - 1]!;
  for (let i = 0; i < g.who.length; i++) {
    let peak = rssOf(coordinatorPid);
    const timer = setInterval(() => (peak = Math.max(peak, rssOf(coordinatorPid))), 10);
    const h = await headersFor(g.id, g.who[i]!, g.seeds[i]!, g.sizes[i]!);
    const r = await withAgent(1, (agent) => put(agent, route(g.id), h, g.seeds[i]!, g.sizes[i]!));
    clearInterval(timer);
    if (r.status !== 200) throw new Error(`upload failed: ${r.status} ${r.body}`);
    rss.push({ size: g.sizes[i]!, peak });
  }

  const rows: Row[] = [
    { name: 'upload throughput, 50 × 4 MB concurrent', value: coord.mbps, unit: 'MB/s', baseline: baseline.mbps, ratio: coord.mbps / baseline.mbps },
    { name: 'upload throughput, 50 × 4 MB concurrent, vs a bare server that also stores each body', value: coord.mbps, unit: 'MB/s', baseline: storing.mbps, ratio: coord.mbps / storing.mbps },
    // CPU time is steadier than wall time on a shared machine: what each server spends per MB received (ratio = bare / ours).
    { name: 'server CPU per MB uploaded, coordinator vs the bare server', value: coord.cpuPerMB, unit: 'ms/MB', baseline: baseline.cpuPerMB, ratio: baseline.cpuPerMB / coord.cpuPerMB },
    { name: 'server CPU per MB uploaded, coordinator vs the bare server that also stores', value: coord.cpuPerMB, unit: 'ms/MB', baseline: storing.cpuPerMB, ratio: storing.cpuPerMB / coord.cpuPerMB },
    { name: 'upload latency p50', value: coord.p50, unit: 'ms', baseline: baseline.p50, ratio: baseline.p50 / coord.p50 },
    { name: 'upload latency p99', value: coord.p99, unit: 'ms', baseline: baseline.p99, ratio: baseline.p99 / coord.p99 },
    ...rss.map((x) => ({ name: `coordinator peak RSS, one ${x.size / MB} MB upload`, value: x.peak / MB, unit: 'MB', baseline: rss[0]!.peak / MB, ratio: x.peak / rss[0]!.peak })),
  ];
  const fmt = (n: number | null) => (n === null ? '' : n >= 100 ? n.toFixed(0) : n.toFixed(2));
  printRows(rows, 'baseline', fmt);
  process.stdout.write(`\nbaseline: bare node:http server hashing the bytes (throughput/latency, median of ${REPEATS} interleaved runs); rows that name it: the same server also writing each body to a file (staging + rename, as the coordinator's store); CPU per MB: each server process's user + system time over its runs; 4 MB upload (RSS). Latency ratio = baseline / value.\n`);
  mkdirSync(__dirname, { recursive: true });
  writeFileSync(path.join(__dirname, 'latest.json'), `${JSON.stringify(rows, null, 2)}\n`);
});

function signUpdateDigestFor(ctx: UploadContext, w: Wallet, hash: string): Promise<string> {
  return signUpdateDigest(w, { chainId: ctx.chainId, contractAddress: ctx.taskManager, taskId: ctx.taskId, round: ctx.round, ciphertextHash: hash });
}
