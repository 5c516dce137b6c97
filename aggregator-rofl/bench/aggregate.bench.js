// Aggregation throughput and memory: decrypt (HPKE envelope) + decode + validate + FedAvg fold, against a baseline of
// raw node:crypto AES-256-GCM decrypt of the same number of bytes + a plain Float32Array accumulate, same run.
// Peak RSS for 10 / 100 / 1000 updates of 1M params, each in a fresh child process, updates never held.
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
const { UpdateOpener } = require('../dist/jobs/updateOpener.js');
const { MeanAggregator } = require('../dist/strategies/fedavg.js');
const { InlineUpdateProcessor, WorkerUpdateProcessor } = require('../dist/jobs/updateProcessor.js');
const { runPipelined } = require('../dist/jobs/pipeline.js');
const { pipelineDepthFor } = require('../dist/jobs/aggregateRound.js');

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
 * fold) through the job's own loop (runPipelined). `depth` 1 + inline = the old strictly sequential job; the default
 * depth + the open worker = the new job (open + validate of the next updates in the worker, on the second core, while
 * this thread checks hash + signature and folds). No network here: `npm run bench:round` in simulation/ has it.
 */
async function jobPath(keys, setup, count, processor, depth) {
  const agg = new MeanAggregator(setup.layout, 'examples');
  const params = { keys, layout: setup.layout, normBound: 1e9 };
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  await runPipelined(
    count,
    depth,
    async (i, slot) => {
      // The "download": the ciphertext lands in the slot's buffer, as the job's GET writes it (same for both paths).
      const u = setup.updates[i % setup.updates.length];
      const n = u.ciphertext.length;
      if (slot.ciphertext.length < n) slot.ciphertext = new Uint8Array(n);
      slot.ciphertext.set(u.ciphertext);
      return processor.process(slot, { ...u, ciphertext: slot.ciphertext.subarray(0, n) }, params);
    },
    (i, processed) => {
      const u = setup.updates[i % setup.updates.length];
      const v = processed.result;
      if (!v.ok) throw new Error(v.detail);
      agg.add({ participant: u.context.participant, numExamples: v.numExamples, update: v.flat, metrics: v.metrics });
      bytes += u.ciphertext.length;
    },
  );
  agg.finish();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, bytes };
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
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const agg = new MeanAggregator(setup.layout, 'examples');
  const opener = new UpdateOpener(keys, setup.layout, 1e9);
  for (let i = 0; i < count; i += 1) {
    const u = setup.updates[i % 2];
    const v = await opener.open(u.ciphertext, u.context);
    if (!v.ok) throw new Error(v.detail);
    agg.add({ participant: u.context.participant, numExamples: v.numExamples, update: v.flat, metrics: {} });
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  agg.finish();
  process.stdout.write(JSON.stringify({ before, peak }));
}

async function main() {
  if (process.argv[2] === '--rss') return rssRun(Number(process.argv[3]));
  const results = [];
  const table = [];
  const keys = await generateRecipientKeyPair();
  const worker = new WorkerUpdateProcessor();
  const inline = new InlineUpdateProcessor();
  const cases = [
    ['decrypt+validate+fedavg', 1_000_000, 100, 4, (k, st, n) => ours(k, st, n)],
    ['decrypt+validate+fedavg', 10_000_000, 10, 2, (k, st, n) => ours(k, st, n)],
    ['job path sequential (hash+sig+open+validate+fold)', 1_000_000, 100, 4, (k, st, n) => jobPath(k, st, n, inline, 1)],
    [`job path pipelined, open worker, depth ${pipelineDepthFor(1e6)}`, 1_000_000, 100, 4, (k, st, n) => jobPath(k, st, n, worker, pipelineDepthFor(1e6))],
    ['job path sequential (hash+sig+open+validate+fold)', 10_000_000, 20, 2, (k, st, n) => jobPath(k, st, n, inline, 1)],
    [`job path pipelined, open worker, depth ${pipelineDepthFor(1e7)}`, 10_000_000, 20, 2, (k, st, n) => jobPath(k, st, n, worker, pipelineDepthFor(1e7))],
  ];
  const setups = new Map();
  for (const [label, params, count, distinct, run] of cases) {
    if (!setups.has(params)) setups.set(params, await sealed(keys, params, distinct));
    const setup = setups.get(params);
    await run(keys, setup, Math.min(count, 3)); // warm-up
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
  await worker.close();
  setups.clear();
  const modelBytes = 4_000_000;
  for (const count of [10, 100, 1000]) {
    const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--rss', String(count)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const { before, peak } = JSON.parse(out);
    const above = (peak - before) / MB;
    const name = `peak RSS above baseline, ${count} x 1M params`;
    results.push({ name, value: +above.toFixed(1), unit: 'MB', baseline: modelBytes / MB, ratio: +((peak - before) / modelBytes).toFixed(2) });
    table.push([name, `${above.toFixed(1)} MB`, `model ${modelBytes / MB} MB`, `${((peak - before) / modelBytes).toFixed(2)}x model`]);
  }
  const widths = [78, 14, 16, 12];
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
