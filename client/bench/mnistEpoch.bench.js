#!/usr/bin/env node
// Benchmark: one local epoch of the reference MNIST CNN (issue 6) with the backend in use, against the tfjs cpu
// backend on a slice of the same data (extrapolated per epoch) measured in the same run, and PyTorch CPU (one
// thread) when Debian's python3-torch is installed. Prints a table and writes bench/latest.json.
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

function pytorchAnchor() {
  if (process.env.BENCH_SKIP_PYTORCH === '1' || !existsSync('/usr/bin/python3') || !existsSync(PYTORCH)) return null;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return null; // python3-torch not installed: the anchor is optional
  }
  const out = execFileSync('/usr/bin/python3', [PYTORCH, '1'], { encoding: 'utf8', env: { ...process.env, MNIST_DIR: DATA } });
  return JSON.parse(out.trim().split('\n').pop());
}

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

  // Warm-up (not timed): a few batches on a throwaway copy, so kernel setup and JIT are out of the timing.
  (await timedEpoch(topology, weights, slice(ds.train, 160))).model.dispose();

  const main = await timedEpoch(topology, weights, ds.train);
  const evaluation = client.evaluateModel(main.model, ds.test, SETTINGS);
  main.model.dispose();

  await tf.setBackend('cpu');
  (await timedEpoch(topology, weights, slice(ds.train, 64))).model.dispose();
  const cpu = await timedEpoch(topology, weights, slice(ds.train, CPU_SLICE));
  cpu.model.dispose();
  const cpuEpoch = (cpu.seconds * ds.train.count) / CPU_SLICE;
  await tf.setBackend(backend.name);

  const torch = pytorchAnchor();
  const rows = [
    { name: `epoch_s_${backend.name}`, value: +main.seconds.toFixed(3), unit: 's', baseline: +cpuEpoch.toFixed(3), ratio: +(cpuEpoch / main.seconds).toFixed(1) },
    { name: `epoch_process_cpu_s_${backend.name}`, value: +main.cpuSeconds.toFixed(3), unit: 's', baseline: +((cpu.cpuSeconds * ds.train.count) / CPU_SLICE).toFixed(3), ratio: +((cpu.cpuSeconds * ds.train.count) / CPU_SLICE / main.cpuSeconds).toFixed(1) },
    { name: 'epoch_s_cpu_extrapolated', value: +cpuEpoch.toFixed(3), unit: 's', baseline: null, ratio: null },
    { name: 'images_per_s', value: Math.round(ds.train.count / main.seconds), unit: 'images/s', baseline: Math.round(ds.train.count / cpuEpoch), ratio: +(cpuEpoch / main.seconds).toFixed(1) },
    { name: 'test_accuracy_after_epoch', value: +evaluation.metrics.accuracy.toFixed(4), unit: 'fraction', baseline: torch ? torch.test_acc : null, ratio: null },
    { name: 'train_loss_epoch', value: +main.loss.toFixed(4), unit: 'loss', baseline: torch ? torch.train_loss : null, ratio: null },
  ];
  if (torch) {
    rows.push({ name: 'epoch_s_pytorch_1thread', value: torch.epoch_s, unit: 's', baseline: null, ratio: null });
    rows.push({ name: `epoch_time_vs_pytorch_${backend.name}`, value: +(main.seconds / torch.epoch_s).toFixed(2), unit: 'x slower', baseline: torch.epoch_s, ratio: +(main.seconds / torch.epoch_s).toFixed(2) });
  }
  console.log(`Reference MNIST CNN, one epoch over ${ds.train.count} images, batch 32, Adam 1e-3 (backend: ${backend.name}${backend.simd ? ', SIMD' : ''})`);
  console.log(`cpu baseline: ${CPU_SLICE} images timed and extrapolated; PyTorch anchor: ${torch ? `torch ${torch.torch}, 1 thread` : 'not installed (python3-torch)'}`);
  console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (wall times grow with load; process CPU time less so)`);
  console.table(rows);
  writeFileSync(join(__dirname, 'latest.json'), JSON.stringify(rows, null, 2) + '\n');
}

main().catch((error) => {
  console.error(`bench failed: ${error.message}`);
  process.exit(1);
});
