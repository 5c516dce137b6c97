#!/usr/bin/env node
// Where one training step of the reference MNIST CNN goes, per tfjs kernel, on the backend in use (tf.profile over
// BENCH_PROFILE_STEPS steps after a warm-up, with the client's optimizer and loss). Kernel times nest: a gradient
// kernel built from other kernels (Conv2DBackpropFilter/Input on wasm) counts them again. Run after a build:
//   node client/bench/stepProfile.bench.js
'use strict';
const tf = require('@tensorflow/tfjs');
const rt = require('@cloister/model-runtime');

const STEPS = Number(process.env.BENCH_PROFILE_STEPS ?? 20);

async function main() {
  const backend = await rt.initBackend({});
  const model = rt.mnistCnnModel();
  const optimizer = rt.createOptimizer('adam', 1e-3);
  const loss = rt.lossFunction('categoricalCrossentropy');
  const variables = model.trainableWeights.map((w) => w.read());
  // A fresh batch every step, as in training (XNNPACK caches per input and filter).
  const step = () => {
    const [xs, ys] = tf.tidy(() => [tf.randomUniform([32, 28, 28, 1]), tf.oneHot(tf.randomUniform([32], 0, 10, 'int32'), 10).toFloat()]);
    const cost = optimizer.minimize(() => loss(ys, model.apply(xs, { training: true })), true, variables);
    cost.dataSync();
    tf.dispose([xs, ys, cost]);
  };
  for (let i = 0; i < 60; i++) step();
  const started = performance.now();
  for (let i = 0; i < STEPS; i++) step();
  const stepMs = (performance.now() - started) / STEPS;
  const profile = await tf.profile(() => {
    for (let i = 0; i < STEPS; i++) step();
  });
  const byKernel = new Map();
  for (const k of profile.kernels) {
    const row = byKernel.get(k.name) ?? { kernel: k.name, calls: 0, ms: 0 };
    row.calls += 1;
    row.ms += k.kernelTimeMs;
    byKernel.set(k.name, row);
  }
  const rows = [...byKernel.values()]
    .map((r) => ({ kernel: r.kernel, callsPerStep: r.calls / STEPS, msPerStep: +(r.ms / STEPS).toFixed(3) }))
    .sort((a, b) => b.msPerStep - a.msPerStep);
  console.log(`backend ${backend.name}${backend.simd ? ' (SIMD)' : ''}: ${stepMs.toFixed(2)} ms per step unprofiled, ${profile.kernels.length / STEPS} kernels per step`);
  console.table(rows);
  optimizer.dispose();
  model.dispose();
}

main().catch((error) => {
  console.error(`profile failed: ${error.message}`);
  process.exit(1);
});
