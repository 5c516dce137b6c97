#!/usr/bin/env node
// Benchmark: one local epoch of the reference MNIST CNN (issue 6) with the backend in use, against the tfjs cpu
// backend on a slice of the same data (extrapolated per epoch) measured in the same run, and PyTorch CPU (one
// thread) when Debian's python3-torch is installed. Prints a table and writes bench/latest.json.
// The epoch and the PyTorch anchor run alternately BENCH_REPS times (default 3), so both see the same machine load
// (this machine is shared); the ratio is taken on the best run of each, and the medians are printed too.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const os = require('node:os');
const tf = require('@tensorflow/tfjs');
const client = require('../dist/index.js');
const { mnistCnnModel } = require('@cloister/model-runtime');

const DATA = resolve(__dirname, '../../../shared/data/mnist');
const PYTORCH = resolve(__dirname, '../../../shared/bench/pytorch_mnist_cnn_epoch.py');
const CPU_SLICE = Number(process.env.BENCH_CPU_SLICE ?? 320);
const REPS = Math.max(1, Number(process.env.BENCH_REPS ?? 3));
const WARMUP_IMAGES = Number(process.env.BENCH_WARMUP_IMAGES ?? 1600);
const SETTINGS = { optimizer: 'adam', learningRate: 1e-3, loss: 'categoricalCrossentropy', metrics: ['accuracy'], localEpochs: 1, batchSize: 32 };


function slice(examples, n) {
  const fx = 28 * 28;
  return { ...examples, features: examples.features.subarray(0, n * fx), labels: examples.labels.subarray(0, n * 10), count: n };
}

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function timedEpoch(topology, weights, data) {
  const model = await client.buildModel(topology);
  client.setModelWeights(model, weights);
  const cpu0 = cpuSeconds();
  const result = await client.trainLocal({ model, data, settings: SETTINGS, seed: 42 });
  return { model, seconds: result.seconds, cpuSeconds: cpuSeconds() - cpu0, loss: result.epochLosses[0] };
}

function pytorchAvailable() {
  if (process.env.BENCH_SKIP_PYTORCH === '1' || !existsSync('/usr/bin/python3') || !existsSync(PYTORCH)) return false;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // python3-torch not installed: the anchor is optional
  }
}

function pytorchAnchor(rep) {
  const out = execFileSync('/usr/bin/python3', [PYTORCH, '1', String(rep)], { encoding: 'utf8', env: { ...process.env, MNIST_DIR: DATA } });
  return JSON.parse(out.trim().split('\n').pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1];
const best = (xs) => Math.min(...xs);

async function main() {
  const backend = await client.initBackend({});
  const ds = client.loadDataset({
    format: 'idx',
    images: join(DATA, 'train-images-first10k-idx3-ubyte.gz'),
    labels: join(DATA, 'train-labels-first10k-idx1-ubyte.gz'),
    testImages: join(DATA, 't10k-images-idx3-ubyte.gz'),
    testLabels: join(DATA, 't10k-labels-idx1-ubyte.gz'),
    oneHot: 10,
  });
  const seedModel = mnistCnnModel();
  const topology = seedModel.toJSON(null, false);
  const weights = client.readModelWeights(seedModel);
  seedModel.dispose();

  // Warm-up (not timed): batches on a throwaway copy, so kernel setup and JIT are out of the timing. V8 needs a few
  // dozen steps to optimise tfjs's hot paths (with 5 batches the first timed epoch was ~30 % slower than the next).
  (await timedEpoch(topology, weights, slice(ds.train, WARMUP_IMAGES))).model.dispose();

  // Alternate the epoch and the PyTorch anchor so both run under the same load; rep 0's model is evaluated.
  const withTorch = pytorchAvailable();
  const epochs = [];
  const torchRuns = [];
  let evaluation;
  for (let rep = 0; rep < REPS; rep++) {
    const run = await timedEpoch(topology, weights, ds.train);
    if (rep === 0) evaluation = client.evaluateModel(run.model, ds.test, SETTINGS);
    run.model.dispose();
    epochs.push(run);
    if (withTorch) torchRuns.push(pytorchAnchor(rep));
  }
  const main = {
    seconds: best(epochs.map((e) => e.seconds)),
    cpuSeconds: best(epochs.map((e) => e.cpuSeconds)),
    loss: epochs[0].loss,
  };
  const medianSeconds = median(epochs.map((e) => e.seconds));

  await tf.setBackend('cpu');
  (await timedEpoch(topology, weights, slice(ds.train, 64))).model.dispose();
  const cpu = await timedEpoch(topology, weights, slice(ds.train, CPU_SLICE));
  cpu.model.dispose();
  const cpuEpoch = (cpu.seconds * ds.train.count) / CPU_SLICE;
  await tf.setBackend(backend.name);

  const torch = torchRuns.length > 0
    ? { ...torchRuns[0], epoch_s: best(torchRuns.map((t) => t.epoch_s)), median_s: median(torchRuns.map((t) => t.epoch_s)) }
    : null;
  const rows = [
    { name: `epoch_s_${backend.name}`, value: +main.seconds.toFixed(3), unit: 's', baseline: +cpuEpoch.toFixed(3), ratio: +(cpuEpoch / main.seconds).toFixed(1) },
    { name: `epoch_process_cpu_s_${backend.name}`, value: +main.cpuSeconds.toFixed(3), unit: 's', baseline: +((cpu.cpuSeconds * ds.train.count) / CPU_SLICE).toFixed(3), ratio: +((cpu.cpuSeconds * ds.train.count) / CPU_SLICE / main.cpuSeconds).toFixed(1) },
    { name: 'epoch_s_cpu_extrapolated', value: +cpuEpoch.toFixed(3), unit: 's', baseline: null, ratio: null },
    { name: 'images_per_s', value: Math.round(ds.train.count / main.seconds), unit: 'images/s', baseline: Math.round(ds.train.count / cpuEpoch), ratio: +(cpuEpoch / main.seconds).toFixed(1) },
    { name: 'test_accuracy_after_epoch', value: +evaluation.metrics.accuracy.toFixed(4), unit: 'fraction', baseline: torch ? torch.test_acc : null, ratio: null },
    { name: 'train_loss_epoch', value: +main.loss.toFixed(4), unit: 'loss', baseline: torch ? torch.train_loss : null, ratio: null },
  ];
  rows.push({ name: `epoch_s_${backend.name}_median`, value: +medianSeconds.toFixed(3), unit: 's', baseline: null, ratio: null });
  if (torch) {
    rows.push({ name: 'epoch_s_pytorch_1thread', value: torch.epoch_s, unit: 's', baseline: null, ratio: null });
    rows.push({ name: 'epoch_s_pytorch_1thread_median', value: torch.median_s, unit: 's', baseline: null, ratio: null });
    rows.push({ name: `epoch_time_vs_pytorch_${backend.name}`, value: +(main.seconds / torch.epoch_s).toFixed(2), unit: 'x slower', baseline: torch.epoch_s, ratio: +(main.seconds / torch.epoch_s).toFixed(2) });
    rows.push({ name: `epoch_time_vs_pytorch_${backend.name}_medians`, value: +(medianSeconds / torch.median_s).toFixed(2), unit: 'x slower', baseline: torch.median_s, ratio: +(medianSeconds / torch.median_s).toFixed(2) });
  }
  console.log(`Reference MNIST CNN, one epoch over ${ds.train.count} images, batch 32, Adam 1e-3 (backend: ${backend.name}${backend.simd ? ', SIMD' : ''}, 1 thread)`);
  console.log(`cpu baseline: ${CPU_SLICE} images timed and extrapolated; PyTorch anchor: ${torch ? `torch ${torch.torch}, ${torch.threads} thread` : 'not installed (python3-torch)'}`);
  console.log(`${REPS} alternating runs: epoch ${epochs.map((e) => e.seconds.toFixed(2)).join("/")} s (${backend.name}), PyTorch ${torchRuns.map((t) => t.epoch_s.toFixed(2)).join("/") || "-"} s; ratios on the best run of each`);
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (wall times grow with load; process CPU time less so)`);
  console.table(rows);
  writeFileSync(join(__dirname, 'latest.json'), JSON.stringify(rows, null, 2) + '\n');
}

main().catch((error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
