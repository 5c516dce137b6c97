// DP noise cost on a 1M-parameter update (faults issue item 8): the discrete Gaussian (Canonne–Kamath–Steinke,
// node:crypto) against the Box–Muller sampler over 32-bit crypto uniforms it replaced, measured in the same run,
// alternating. Appends its rows to bench/latest.json (after seal.bench.js): [{ name, value, unit, baseline, ratio }].
const { randomFillSync } = require('node:crypto');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { addDiscreteGaussianNoise, cryptoRandomSource, noiseGranularity } = require('../dist/index.js');

const PARAMS = 1_000_000;
const RUNS = 3;
const round = (x, digits = 2) => Number(x.toFixed(digits));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The previous sampler: Box–Muller over pairs of 32-bit node:crypto words (leaks through floating point). */
function boxMullerNoise(values, sigma) {
  const chunk = new Uint32Array(1 << 16);
  let i = 0;
  while (i < values.length) {
    randomFillSync(chunk);
    for (let j = 0; j + 1 < chunk.length && i < values.length; j += 2) {
      const u1 = (chunk[j] + 1) / 4294967296;
      const u2 = (chunk[j + 1] + 1) / 4294967296;
      const r = Math.sqrt(-2 * Math.log(u1));
      values[i++] += sigma * r * Math.cos(2 * Math.PI * u2);
      if (i < values.length) values[i++] += sigma * r * Math.sin(2 * Math.PI * u2);
    }
  }
}

function seconds(run) {
  const t0 = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function main() {
  const update = new Float32Array(PARAMS).map((_, i) => Math.sin(i) * 1e-3);
  // The client's case: σ = z·C with z = 1, sensitivity C = 1 (clip norm), one grid for the whole update.
  const sigma = 1;
  const sensitivity = 1;
  const random = cryptoRandomSource();
  const ours = [];
  const base = [];
  for (let r = 0; r < RUNS; r++) {
    ours.push(seconds(() => addDiscreteGaussianNoise(Float32Array.from(update), { sigma, sensitivity }, random)));
    base.push(seconds(() => boxMullerNoise(Float32Array.from(update), sigma)));
  }
  const g = noiseGranularity(sigma, sensitivity, PARAMS);
  const rows = [
    {
      name: `dp noise on a 1M-parameter update (s; discrete Gaussian, grid g = 2^${Math.log2(g)}·σ, baseline Box–Muller)`,
      value: round(median(ours), 3),
      unit: 's',
      baseline: round(median(base), 3),
      ratio: round(median(ours) / median(base), 1),
    },
  ];
  console.table(rows);
  const out = path.join(__dirname, 'latest.json');
  const previous = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')).filter((row) => !row.name.startsWith('dp noise')) : [];
  writeFileSync(out, `${JSON.stringify([...previous, ...rows], null, 2)}\n`);
  console.log(`appended to ${out} (node ${process.version})`);
}

main();
