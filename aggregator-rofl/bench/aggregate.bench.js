// Aggregation throughput and memory, same run:
// - ours, one thread: decrypt (HPKE envelope) + decode + validate + FedAvg fold (`UpdateOpener`), the issue's
//   "decrypt + validate + FedAvg" measure;
// - the job path: every check of the job (sha256 = commitment, EIP-712 signature recovery, open, decode, validate)
//   + fold through the job's own `runUpdatePipeline`, sequential in one thread, and on the opener pool (one worker
//   thread per core); the checks performed are counted and must equal 4 per update;
// - baselines: raw node:crypto AES-256-GCM decrypt of the same bytes + a plain Float32Array accumulate (same process,
//   alternating), and Flower's own `aggregate_inplace` (numpy, one core, plaintext, no checks) from
//   ../shared/peers/flower/bench_aggregate.py when the peer folder and Debian's numpy are present;
// - peak RSS above a baseline taken after the opener pool started, for 10 / 100 / 1000 updates of 1M params through
//   the job path, each in a fresh child process, no update held.
// Runs against the build (`npm run bench` builds first). Writes bench/latest.json: [{ name, value, unit, baseline, ratio }].
'use strict';
const { createDecipheriv, createCipheriv, randomBytes } = require('node:crypto');
const { execFileSync } = require('node:child_process');
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const LOAD_BEFORE = os.loadavg().map((l) => l.toFixed(2)).join(' ');
const { generateRecipientKeyPair, sealUpdateToBytes, encodeUpdate, sha256Hex, signUpdateDigest } = require('@cloister/protocol');
const { Wallet } = require('ethers');
const { layoutOf } = require('../dist/model/layout.js');
const { existsSync } = require('node:fs');
const { MeanAggregator } = require('../dist/strategies/fedavg.js');
const { UpdateOpener, InlineChecker, OpenerPool, runUpdatePipeline, pipelineDepthFor, zeroCounts } = require('../dist/updates/index.js');

const MB = 1e6;
const CHUNK = 1024 * 1024;
const TM = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const WALLETS = Array.from({ length: 4 }, (_, i) => new Wallet(`0x${(i + 1).toString(16).padStart(64, '0')}`));
const ctxOf = (i) => ({
  chainId: 31337n,
  contractAddress: TM,
  taskId: 1n,
  round: 1n,
  participant: WALLETS[i % WALLETS.length].address,
});

function model(params) {
  const rows = Math.floor(params / 1000);
  return [
    { name: 'dense/kernel', shape: [rows, 1000], data: new Float32Array(rows * 1000) },
    { name: 'dense/bias', shape: [params - rows * 1000 || 1], data: new Float32Array(params - rows * 1000 || 1) },
  ];
}

async function sealed(keys, params, distinct) {
  const m = model(params);
  const out = [];
  for (let i = 0; i < distinct; i += 1) {
    const deltas = m.map((t) => {
      const data = new Float32Array(t.data.length);
      for (let j = 0; j < data.length; j += 1) data[j] = (((j * 31 + i * 17) % 1000) - 500) * 1e-6;
      return { name: t.name, shape: t.shape, data };
    });
    const ciphertext = await sealUpdateToBytes({
      recipientPublicKey: keys.publicKey,
      context: ctxOf(i),
      plaintext: encodeUpdate({ deltas, numExamples: 10 + i, metrics: { loss: 0.5 } }),
    });
    const commitment = sha256Hex(ciphertext);
    const signature = await signUpdateDigest(WALLETS[i % WALLETS.length], { ...ctxOf(i), ciphertextHash: commitment });
    out.push({ ciphertext, context: ctxOf(i), commitment, signature });
  }
  return { layout: layoutOf(m), updates: out };
}

/** Ours: the job loop's path (UpdateOpener: open into a reused buffer → decode → validate) → FedAvg fold. */
async function ours(keys, setup, count) {
  const agg = new MeanAggregator(setup.layout, 'examples');
  const opener = new UpdateOpener(keys, setup.layout, 1e9);
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) {
    const u = setup.updates[i % setup.updates.length];
    const v = await opener.open(u.ciphertext, u.context);
    if (!v.ok) throw new Error(v.detail);
    agg.add({ participant: u.context.participant, numExamples: v.numExamples, update: v.flat, metrics: v.metrics });
    bytes += u.ciphertext.length;
  }
  agg.finish();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes };
}

/**
 * The whole per-update CPU path of a job (sha256 = commitment, EIP-712 signature recovery, open, decode, validate,
 * fold) through the job's own loop (`runUpdatePipeline`): `depth` 1 + inline = one thread; the default depth + the
 * opener pool = every check on the pool's threads while this thread "downloads" (copies the ciphertext into the
 * slot, as the job's GET writes it) and folds. No network here: `npm run bench:round` in simulation/ has it.
 */
async function jobPath(keys, setup, count, checker, depth, totals, hashedByDownload = false) {
  const agg = new MeanAggregator(setup.layout, 'examples');
  // On the pool the sum is folded on its threads too (the job's choice for a linear aggregate: aggregateRound.ts).
  const linear = checker.threads > 0 ? agg.linear : undefined;
  const params = { keys, layout: setup.layout, normBound: 1e9 };
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  const counts = await runUpdatePipeline({
    count,
    depth,
    checker,
    params,
    linear: linear?.target,
    fetch: async (i, slot) => {
      const u = setup.updates[i % setup.updates.length];
      const n = u.ciphertext.length;
      if (slot.ciphertext.length < n) slot.ciphertext = new Uint8Array(n);
      slot.ciphertext.set(u.ciphertext);
      // hashedByDownload: the job's download hashes the body as it streams in (coordinatorClient); here it was hashed
      // when sealed, so that time is not in this figure (the worker still compares it with the commitment).
      return { ...u, ciphertext: slot.ciphertext.subarray(0, n), sha256: hashedByDownload ? u.commitment : undefined };
    },
    fold: (i, result) => {
      const u = setup.updates[i % setup.updates.length];
      if (result === null || !result.ok) throw new Error(result?.detail ?? 'missing');
      bytes += u.ciphertext.length;
      const fit = { participant: u.context.participant, numExamples: result.numExamples, metrics: result.metrics };
      if (linear !== undefined) return { weight: linear.record(fit) };
      agg.add({ ...fit, update: result.flat });
    },
  });
  agg.finish();
  if (totals) for (const k of Object.keys(counts)) totals[k] += counts[k];
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes };
}

/** Flower's `aggregate_inplace` on N × P float32 (numpy, one core: taskset -c 0, OMP_NUM_THREADS=1), GB/s; null when it cannot run. */
function flowerAggregate(n, p) {
  const dir = path.resolve(__dirname, '../../../shared/peers/flower');
  const python = process.env.CLOISTER_BENCH_PYTHON || '/usr/bin/python3';
  if (!existsSync(path.join(dir, 'bench_aggregate.py')) || !existsSync(python)) return { gbs: null, why: `no ${dir} or ${python}` };
  try {
    const out = execFileSync('taskset', ['-c', '0', python, 'bench_aggregate.py', '--n', String(n), '--p', String(p)], {
      cwd: dir,
      env: { ...process.env, PEER_DIR: dir, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
      encoding: 'utf8',
      timeout: 600_000,
    });
    const line = out.split('\n').find((l) => l.startsWith('aggregate_inplace'));
    const gbs = line ? Number(line.trim().split(/\s+/)[7]) : NaN;
    return Number.isFinite(gbs) ? { gbs, line: line.trim() } : { gbs: null, why: 'no aggregate_inplace line in its output' };
  } catch (error) {
    return { gbs: null, why: `bench_aggregate.py failed: ${String(error.stderr || error.message).trim().split('\n').pop()}` };
  }
}

/** Baseline: AES-256-GCM decrypt of the same byte count in 1 MiB chunks + acc[i] += x over the plaintext floats. */
function baseline(setup, count) {
  const key = randomBytes(32);
  const size = setup.updates[0].ciphertext.length;
  const floats = new Float32Array((size - (size % 4)) / 4);
  for (let j = 0; j < floats.length; j += 1) floats[j] = ((j % 1000) - 500) * 1e-6;
  const plain = Buffer.from(floats.buffer);
  const chunks = [];
  for (let o = 0; o < plain.length; o += CHUNK) {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    const ct = Buffer.concat([c.update(plain.subarray(o, o + CHUNK)), c.final()]);
    chunks.push({ iv, ct, tag: c.getAuthTag() });
  }
  const acc = new Float32Array(plain.length / 4);
  const out = Buffer.allocUnsafe(plain.length);
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) {
    let o = 0;
    for (const { iv, ct, tag } of chunks) {
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAuthTag(tag);
      o += d.update(ct).copy(out, o);
      d.final();
    }
    const f = new Float32Array(out.buffer, out.byteOffset, out.length / 4);
    for (let j = 0; j < acc.length; j += 1) acc[j] += 10 * f[j];
    bytes += size;
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes };
}

async function rssRun(count) {
  const keys = await generateRecipientKeyPair();
  const setup = await sealed(keys, 1_000_000, 2);
  const pool = new OpenerPool();
  pool.start();
  // The baseline: the sealed inputs and the started pool (its threads' isolates) are in it; a warm-up update first.
  await jobPath(keys, setup, 1, pool, 1);
  global.gc?.();
  await new Promise((r) => setTimeout(r, 200));
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const agg = new MeanAggregator(setup.layout, 'examples');
  await runUpdatePipeline({
    count,
    depth: pipelineDepthFor(1e6),
    checker: pool,
    linear: agg.linear.target,
    params: { keys, layout: setup.layout, normBound: 1e9 },
    fetch: async (i, slot) => {
      const u = setup.updates[i % 2];
      if (slot.ciphertext.length < u.ciphertext.length) slot.ciphertext = new Uint8Array(u.ciphertext.length);
      slot.ciphertext.set(u.ciphertext);
      return { ...u, ciphertext: slot.ciphertext.subarray(0, u.ciphertext.length) };
    },
    fold: (i, result) => {
      if (result === null || !result.ok) throw new Error(result?.detail ?? 'missing');
      // Folded on the pool's threads, as the job does for a linear aggregate.
      return { weight: agg.linear.record({ participant: setup.updates[i % 2].context.participant, numExamples: result.numExamples, metrics: {} }) };
      peak = Math.max(peak, process.memoryUsage().rss);
    },
  });
  agg.finish();
  clearInterval(timer);
  await pool.close();
  process.stdout.write(JSON.stringify({ before, peak }));
}

async function main() {
  if (process.argv[2] === '--rss') return rssRun(Number(process.argv[3]));
  const results = [];
  const table = [];
  const keys = await generateRecipientKeyPair();
  const pool = new OpenerPool();
  const inline = new InlineChecker();
  const poolLabel = `job path, opener pool (${pool.threads} threads), depth`;
  const checksDone = { sequential: zeroCounts(), pool: zeroCounts() };
  const checked = { sequential: 0, pool: 0 };
  const cases = [
    ['decrypt+validate+fedavg, 1 thread', 1_000_000, 100, 4, (k, st, n) => ours(k, st, n)],
    ['job path sequential, 1 thread (hash+sig+open+validate+fold)', 1_000_000, 100, 4, (k, st, n) => ((checked.sequential += n), jobPath(k, st, n, inline, 1, checksDone.sequential))],
    [`${poolLabel} ${pipelineDepthFor(1e6)}`, 1_000_000, 100, 4, (k, st, n) => ((checked.pool += n), jobPath(k, st, n, pool, pipelineDepthFor(1e6), checksDone.pool))],
    [`decrypt+validate+fedavg on the opener pool (${pool.threads} threads; + signature; hash by the download, not timed), depth ${pipelineDepthFor(1e6)}`, 1_000_000, 100, 4, (k, st, n) => jobPath(k, st, n, pool, pipelineDepthFor(1e6), undefined, true)],
    ['decrypt+validate+fedavg, 1 thread', 10_000_000, 10, 2, (k, st, n) => ours(k, st, n)],
    [`${poolLabel} ${pipelineDepthFor(1e7)}`, 10_000_000, 20, 2, (k, st, n) => jobPath(k, st, n, pool, pipelineDepthFor(1e7))],
  ];
  const setups = new Map();
  for (const [label, params, count, distinct, run] of cases) {
    if (!setups.has(params)) setups.set(params, await sealed(keys, params, distinct));
    const setup = setups.get(params);
    await run(keys, setup, Math.min(count, 3)); // warm-up (its checks are counted with the rest)
    baseline(setup, 2);
    // Ours and the baseline alternate in 5 rounds of count/5 updates (the machine is shared and its load drifts):
    // MB/s over all rounds, ratio = median of the per-round ratios.
    const rounds = 5;
    const a = { seconds: 0, bytes: 0 };
    const b = { seconds: 0, bytes: 0 };
    const ratios = [];
    for (let r = 0; r < rounds; r += 1) {
      const x = await run(keys, setup, count / rounds);
      const y = baseline(setup, count / rounds);
      a.seconds += x.seconds;
      a.bytes += x.bytes;
      b.seconds += y.seconds;
      b.bytes += y.bytes;
      ratios.push(x.bytes / x.seconds / (y.bytes / y.seconds));
    }
    ratios.sort((p, q) => p - q);
    const ratio = ratios[Math.floor(rounds / 2)];
    const oursMBs = a.bytes / MB / a.seconds;
    const baseMBs = b.bytes / MB / b.seconds;
    const name = `${label} ${count} x ${params / 1e6}M params`;
    results.push({ name, value: +oursMBs.toFixed(1), unit: 'MB/s', baseline: +baseMBs.toFixed(1), ratio: +ratio.toFixed(3) });
    table.push([name, `${oursMBs.toFixed(0)} MB/s`, `${baseMBs.toFixed(0)} MB/s`, `${ratio.toFixed(2)} (${ratios[0].toFixed(2)}–${ratios[rounds - 1].toFixed(2)})`]);
  }
  await pool.close();
  setups.clear();
  // Faster must not mean fewer checks: 4 per update (hash, signature, open, validate) on both job paths.
  for (const which of ['sequential', 'pool']) {
    const c = checksDone[which];
    const expected = checked[which];
    const line = `checks performed, job path ${which}: ${c.hashes} hashes, ${c.signatures} signatures, ${c.openings} openings, ${c.validations} validations for ${expected} updates`;
    console.log(line);
    if (c.hashes !== expected || c.signatures !== expected || c.openings !== expected || c.validations !== expected) throw new Error(`fewer checks than updates: ${line}`);
    results.push({ name: `checks per update, job path ${which}`, value: (c.hashes + c.signatures + c.openings + c.validations) / expected, unit: 'checks', baseline: 4, ratio: (c.hashes + c.signatures + c.openings + c.validations) / expected / 4 });
  }
  // Flower's own FedAvg kernel on the same N × P, same run (plaintext, no checks, one core).
  const flower = flowerAggregate(100, 1_000_000);
  const poolEntry = results.find((r) => r.name.startsWith(poolLabel) && r.name.endsWith('100 x 1M params'));
  const oneThread = results.find((r) => r.name === 'decrypt+validate+fedavg, 1 thread 100 x 1M params');
  const onPool = results.find((r) => r.name.startsWith('decrypt+validate+fedavg on the opener pool'));
  if (flower.gbs !== null) {
    for (const entry of [poolEntry, onPool, oneThread]) {
      const name = `${entry.name} vs Flower aggregate_inplace (same run)`;
      const gbs = entry.value / 1000;
      results.push({ name, value: +gbs.toFixed(3), unit: 'GB/s', baseline: flower.gbs, ratio: +(gbs / flower.gbs).toFixed(3) });
      table.push([name, `${gbs.toFixed(2)} GB/s`, `Flower ${flower.gbs} GB/s`, (gbs / flower.gbs).toFixed(2)]);
    }
  } else {
    console.log(`Flower aggregate_inplace not measured in this run: ${flower.why}; the issue's figure from another sitting (2026-12-01) was 3.22 GB/s`);
  }
  const modelBytes = 4_000_000;
  for (const count of [10, 100, 1000]) {
    const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--rss', String(count)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const { before, peak } = JSON.parse(out);
    const above = (peak - before) / MB;
    const name = `peak RSS above baseline (after the opener pool started), job path, ${count} x 1M params`;
    results.push({ name, value: +above.toFixed(1), unit: 'MB', baseline: modelBytes / MB, ratio: +((peak - before) / modelBytes).toFixed(2) });
    table.push([name, `${above.toFixed(1)} MB`, `model ${modelBytes / MB} MB`, `${((peak - before) / modelBytes).toFixed(2)}x model`]);
  }
  const widths = [92, 14, 22, 12];
  const row = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  console.log(row(['measure', 'ours', 'baseline', 'ratio']));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of table) console.log(row(r));
  console.log(`load average before/after: ${LOAD_BEFORE} / ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  writeFileSync(path.join(__dirname, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
