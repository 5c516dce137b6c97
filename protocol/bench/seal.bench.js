// Seal/open throughput of the HPKE chunked envelope vs raw node:crypto AES-256-GCM on the same bytes, same run,
// and peak memory while sealing a 64 MB stream. Runs against the build (`npm run bench` builds first).
// Writes bench/latest.json: [{ name, value, unit, baseline, ratio }].
'use strict';
const { createCipheriv, createDecipheriv, randomBytes, randomFillSync } = require('node:crypto');
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { Readable } = require('node:stream');
const {
  generateRecipientKeyPair,
  sealUpdate,
  openUpdate,
  sealUpdateToBytes,
  openUpdateToBytes,
  ENVELOPE_LIMITS,
  recoverUpdateSigner,
  hashUpdateDigest,
  signUpdateDigest,
} = require('../dist/index.js');
const { Wallet, recoverAddress } = require('ethers');

const MB = 1e6;
const CHUNK = ENVELOPE_LIMITS.defaultChunkSize;
const context = {
  chainId: 31337n,
  contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  taskId: 1n,
  round: 1n,
  participant: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
};

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(samples);
}

// Raw baseline: one AES-256-GCM stream over the same bytes, fed in 1 MiB update() calls (so the baseline does not pay
// for page-faulting one giant output buffer, which a single 64 MB update() would).
function rawSeal(key, iv, bytes, keep = false) {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const parts = [];
  for (let o = 0; o < bytes.length; o += CHUNK) {
    const part = cipher.update(bytes.subarray(o, o + CHUNK));
    if (keep) parts.push(part);
  }
  cipher.final();
  return { ct: keep ? Buffer.concat(parts) : null, tag: cipher.getAuthTag() };
}

function rawOpen(key, iv, sealed) {
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(sealed.tag);
  for (let o = 0; o < sealed.ct.length; o += CHUNK) decipher.update(sealed.ct.subarray(o, o + CHUNK));
  decipher.final();
}

async function drain(generator) {
  let n = 0;
  for await (const piece of generator) n += piece.length;
  return n;
}

async function throughput(keys, size, runs, results) {
  const plaintext = new Uint8Array(size);
  randomFillSync(plaintext);
  const key = randomBytes(32);
  const iv = randomBytes(12);
  // warm-up
  rawOpen(key, iv, rawSeal(key, iv, plaintext.subarray(0, 1 << 20), true));
  await drain(
    sealUpdate({ recipientPublicKey: keys.publicKey, context, plaintext: plaintext.subarray(0, 1 << 20) }),
  );

  const sealedRaw = rawSeal(key, iv, plaintext, true);
  const sealed = await sealUpdateToBytes({ recipientPublicKey: keys.publicKey, context, plaintext });
  const output = new Uint8Array(sealed.length);
  const label = `${size / MB} MB`;
  // Ours and raw alternate run by run (the machine is shared and its load drifts); each ratio is the median of the
  // per-run ratios, the MB/s figures are medians too.
  for (const [op, ours, raw] of [
    [
      'seal',
      () => drain(sealUpdate({ recipientPublicKey: keys.publicKey, context, plaintext })),
      () => rawSeal(key, iv, plaintext),
    ],
    [
      'open',
      () => drain(openUpdate({ recipientKeyPair: keys, context, ciphertext: sealed })),
      () => rawOpen(key, iv, sealedRaw),
    ],
    [
      'open into reused buffer',
      () => openUpdateToBytes({ recipientKeyPair: keys, context, ciphertext: sealed, output }),
      () => rawOpen(key, iv, sealedRaw),
    ],
  ]) {
    const oursS = [];
    const rawS = [];
    const ratios = [];
    for (let r = 0; r < runs; r++) {
      const a = await time(raw, 1);
      const b = await time(ours, 1);
      rawS.push(a);
      oursS.push(b);
      ratios.push(a / b);
    }
    results.push({
      name: `${op} ${label} (MB/s, baseline raw aes-256-gcm)`,
      value: round(size / MB / median(oursS)),
      unit: 'MB/s',
      baseline: round(size / MB / median(rawS)),
      ratio: round(median(ratios), 3),
    });
  }
}

function round(x, digits = 1) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Peak memory above the resident 64 MB input while streaming it through sealUpdate; output is discarded. */
async function memory(keys, results) {
  const size = 64 * 1024 * 1024;
  const input = new Uint8Array(size);
  randomFillSync(input);
  const pieces = [];
  for (let i = 0; i < size; i += 64 * 1024) pieces.push(input.subarray(i, i + 64 * 1024));
  // Settle first: collect twice around a turn of the event loop so freed backing stores are really gone.
  global.gc();
  await new Promise((resolve) => setImmediate(resolve));
  global.gc();
  const before = process.memoryUsage();
  let peakArrayBuffers = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakArrayBuffers = Math.max(peakArrayBuffers, m.arrayBuffers - before.arrayBuffers);
    peakRss = Math.max(peakRss, m.rss - before.rss);
  };
  const timer = setInterval(sample, 2);
  for await (const piece of sealUpdate({
    recipientPublicKey: keys.publicKey,
    context,
    plaintext: Readable.from(pieces),
  })) {
    void piece;
    sample();
    global.gc(); // count what is live, not garbage waiting for a collection
  }
  clearInterval(timer);
  sample();
  results.push({
    name: 'seal 64 MB stream: peak arrayBuffers above input (x chunk)',
    value: round(peakArrayBuffers / CHUNK, 2),
    unit: 'x chunk',
    baseline: 2,
    ratio: round(peakArrayBuffers / CHUNK / 2, 3),
  });
  results.push({
    name: 'seal 64 MB stream: peak RSS above input (MiB)',
    value: round(peakRss / 2 ** 20, 1),
    unit: 'MiB',
    baseline: round((2 * CHUNK) / 2 ** 20, 1),
    ratio: round(peakRss / (2 * CHUNK), 3),
  });
}

/**
 * Signer recovery of an upload's EIP-712 signature (every upload in the coordinator, every update in the aggregator):
 * ours (recoverUpdateSigner: typed-data hash + tiny-secp256k1) against ethers' recoverAddress on the same hash
 * (pure JS), alternating; ratio = ethers time / ours (above 1: ours is faster).
 */
async function signatures(results) {
  const wallet = new Wallet(`0x${'42'.repeat(32)}`);
  const digest = { ...context, ciphertextHash: `0x${'ab'.repeat(32)}` };
  const signature = await signUpdateDigest(wallet, digest);
  const hash = hashUpdateDigest(digest);
  const n = 200;
  const ours = () => {
    for (let i = 0; i < n; i++) if (recoverUpdateSigner(digest, signature) !== wallet.address) throw new Error('recovery');
  };
  const ethers = () => {
    for (let i = 0; i < n; i++) if (recoverAddress(hash, signature) !== wallet.address) throw new Error('recovery');
  };
  ours();
  ethers();
  const oursS = [];
  const baseS = [];
  for (let r = 0; r < 5; r++) {
    baseS.push(await time(ethers, 1));
    oursS.push(await time(ours, 1));
  }
  const oursMs = (median(oursS) * 1000) / n;
  const baseMs = (median(baseS) * 1000) / n;
  results.push({
    name: 'recover update signer (ms per signature, baseline ethers recoverAddress)',
    value: round(oursMs, 3),
    unit: 'ms',
    baseline: round(baseMs, 3),
    ratio: round(baseMs / oursMs, 2),
  });
}

async function main() {
  if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
  const keys = await generateRecipientKeyPair();
  const results = [];
  await throughput(keys, 4 * MB, 7, results);
  await throughput(keys, 64 * MB, 3, results);
  await memory(keys, results);
  await signatures(results);
  console.table(results);
  const out = path.join(__dirname, 'latest.json');
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`wrote ${out} (node ${process.version})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
