#!/usr/bin/env node
// Confidential inference benchmark: latency p50/p99 and requests/s of the whole sealed path (querier seals + signs,
// HTTP to the aggregator's endpoint, signature recovery, Redis rate limit, credit and price reads on a Hardhat chain,
// HPKE open, tfjs predict, usage recorded in Redis, answer sealed, querier opens) next to a plain tfjs `predict` of
// the same model on the same rows in the same run. Models: the heart-disease logistic regression (10 features) and
// the MNIST reference CNN, at batch 1 and 64. Runs against the build; appends to bench/latest.json.
// Serial requests (one in flight): latency is per request, requests/s = requests / wall time.
const { createServer } = require('node:http');
const { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const tf = require('@tensorflow/tfjs');
const { encodeTensors, sha256Hex, sealInferenceRequest, signInferenceRequest, openInferenceAnswer } = require('@cloister/protocol');
const { authorizeRoflOrigin, createTestTask, EXAMPLE_ROFL_APP_ID, EXAMPLE_ROFL_APP_ID_BYTES21, governAlone, jsonRpc, startTestDeployment } = require('@cloister/contracts/development');
const { spawnRedis, freePort } = require('@cloister/devstack');
const { getBytes, hexlify, randomBytes } = require('ethers');
const { mnistCnnModel } = require('@cloister/model-runtime');
const pino = require('pino');
const { startDevelopmentAppd } = require('@cloister/development-appd');
const { startAggregator } = require('../dist/jobs/startAggregator.js');
const { initInferenceBackend } = require('../dist/inference/modelRuntime.js');

const LOAD_BEFORE = os.loadavg().map((l) => l.toFixed(2)).join(' ');

function heartModel() {
  const m = tf.sequential({ name: 'heart_logreg' });
  m.add(tf.layers.dense({ name: 'logit', units: 1, activation: 'sigmoid', inputShape: [10], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  return { model: m, features: 10 };
}

function mnistModel() {
  return { model: mnistCnnModel(), features: 784, shape: [28, 28, 1] };
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function main() {
  const log = pino({ level: 'silent' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'inference-bench-'));
  const redis = await spawnRedis();
  const t = await startTestDeployment();
  const appd = await startDevelopmentAppd({ socketPath: path.join(dir, 'appd.sock'), appId: EXAMPLE_ROFL_APP_ID, secret: Buffer.alloc(32, 1), rpcUrl: t.chain.rpcUrl, logger: log });
  await t.provider.send('hardhat_setBalance', [appd.signerAddress, '0x56BC75E2D63100000']);
  await authorizeRoflOrigin(jsonRpc(t.chain.rpcUrl), EXAMPLE_ROFL_APP_ID_BYTES21, appd.signerAddress);
  const blobs = new Map();
  const blobServer = createServer((req, res) => {
    const m = /^\/v1\/blobs\/(?:0x)?([0-9a-f]{64})$/.exec(req.url ?? '');
    const b = m && blobs.get(m[1]);
    res.writeHead(b ? 200 : 404);
    res.end(b ?? '');
  });
  const blobPort = await freePort();
  await new Promise((r) => blobServer.listen(blobPort, '127.0.0.1', r));
  await initInferenceBackend();
  console.log(`tfjs backend: ${tf.getBackend()}`);

  const models = { 'heart-disease': heartModel(), mnist: mnistModel() };
  const tasks = {};
  const querier = t.wallet(6);
  await (await t.contracts.inferenceCredit.connect(querier).deposit({ value: 10n ** 20n })).wait();
  for (const [name, { model }] of Object.entries(models)) {
    const weights = model.weights.map((w) => ({ name: w.originalName, shape: [...w.shape], data: Float32Array.from(w.read().dataSync()) }));
    const modelBytes = encodeTensors(weights);
    const specBytes = Buffer.from(JSON.stringify({ version: 1, name, model: { topology: model.toJSON(null, false) } }));
    blobs.set(sha256Hex(modelBytes).slice(2), Buffer.from(modelBytes));
    blobs.set(sha256Hex(specBytes).slice(2), specBytes);
    tasks[name] = await createTestTask(t, [t.wallet(4), t.wallet(5)], { roundDuration: 3600, modelSpecHash: sha256Hex(specBytes), initialModelHash: sha256Hex(modelBytes), initialModelUri: 'blobs/x' });
    const credit = t.contracts.inferenceCredit;
    await governAlone(t, await credit.getAddress(), credit.interface.encodeFunctionData('setPrice', [tasks[name], 1000n]));
  }
  const running = await startAggregator(
    {
      appdSocket: appd.socketPath, redisUrl: redis.url, queuePrefix: 'bench', rpcUrl: t.chain.rpcUrl,
      taskManagerAddress: t.deployment.contracts.taskManager, aggregatorRegistryAddress: t.deployment.contracts.aggregatorRegistry,
      coordinatorUrl: `http://127.0.0.1:${blobPort}`, stateDir: path.join(dir, 'state'), maxUpdateBytes: 1 << 24,
      lockDurationMs: 60000, stalledIntervalMs: 30000, logLevel: 'silent', publishKeys: true, openInWorker: false,
      inference: { port: 0, host: '127.0.0.1', inferenceCreditAddress: t.deployment.contracts.inferenceCredit, rateLimit: 1e9, rateWindowMs: 60000, maxRows: 1024, settleIntervalMs: 2000, settleBatch: 200 },
    },
    { logger: log },
  );
  const aggregatorPublicKey = getBytes(await t.contracts.aggregatorRegistry.hpkePublicKey());
  const chainId = BigInt(t.chain.chainId);
  const url = running.inference.url;

  async function sealedQuery(taskId, input) {
    const requestId = hexlify(randomBytes(32));
    const context = { chainId, contractAddress: t.deployment.contracts.inferenceCredit, taskId, querier: querier.address, requestId };
    const { sealed, answerKeyPair } = await sealInferenceRequest({ aggregatorPublicKey, context, input });
    const signature = await signInferenceRequest(querier, context, sha256Hex(sealed));
    const res = await fetch(`${url}/inference/v1/tasks/${taskId}/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ querier: querier.address, requestId, sealedRequest: Buffer.from(sealed).toString('base64'), signature }),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
    return openInferenceAnswer({ answerKeyPair, context, sealed: new Uint8Array(Buffer.from(body.sealedAnswer, 'base64')) });
  }

  const results = [];
  const table = [];
  const plan = [
    ['heart-disease', 1, 300],
    ['heart-disease', 64, 300],
    ['mnist', 1, 100],
    ['mnist', 64, 30],
  ];
  for (const [name, batch, requests] of plan) {
    const { model, features, shape } = models[name];
    const data = Float32Array.from({ length: batch * features }, (_, i) => Math.abs(Math.sin(i * 0.37)));
    const input = { name: 'input', shape: [batch, features], data };
    const taskId = tasks[name];
    // warm up both paths (model load, wasm kernels)
    for (let i = 0; i < 3; i++) await sealedQuery(taskId, input);
    const x = tf.tensor(data, [batch, ...(shape ?? [features])]);
    for (let i = 0; i < 3; i++) tf.dispose(model.predict(x));
    const ours = [];
    const base = [];
    // interleaved in blocks so that machine load hits both the same way
    let oursWall = 0;
    let baseWall = 0;
    for (let i = 0; i < requests; i++) {
      let s = performance.now();
      await sealedQuery(taskId, input);
      const o = performance.now() - s;
      ours.push(o);
      oursWall += o;
      s = performance.now();
      const y = model.predict(x);
      y.dataSync();
      tf.dispose(y);
      const b = performance.now() - s;
      base.push(b);
      baseWall += b;
    }
    tf.dispose(x);
    const p50 = quantile(ours, 0.5), p99 = quantile(ours, 0.99), b50 = quantile(base, 0.5), b99 = quantile(base, 0.99);
    const rps = requests / (oursWall / 1000), brps = requests / (baseWall / 1000);
    const label = `${name} batch ${batch}`;
    results.push({ name: `inference ${label} latency p50`, value: +p50.toFixed(2), unit: 'ms', baseline: +b50.toFixed(3), ratio: +(p50 / b50).toFixed(2) });
    results.push({ name: `inference ${label} latency p99`, value: +p99.toFixed(2), unit: 'ms', baseline: +b99.toFixed(3), ratio: +(p99 / b99).toFixed(2) });
    results.push({ name: `inference ${label} throughput`, value: +rps.toFixed(1), unit: 'requests/s', baseline: +brps.toFixed(1), ratio: +(rps / brps).toFixed(3) });
    table.push([label, `${p50.toFixed(2)} / ${p99.toFixed(2)} ms`, `${b50.toFixed(2)} / ${b99.toFixed(2)} ms`, `${(p50 / b50).toFixed(2)}x`, `${rps.toFixed(1)} / ${brps.toFixed(1)}`, `+${(p50 - b50).toFixed(2)} ms`]);
  }
  const widths = [24, 22, 22, 10, 22, 14];
  const row = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ');
  console.log(row(['model, batch', 'sealed p50 / p99', 'plain predict p50/p99', 'p50 ratio', 'req/s sealed / plain', 'overhead p50']));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of table) console.log(row(r));
  console.log(`load average before/after: ${LOAD_BEFORE} / ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const file = path.join(__dirname, 'latest.json');
  const previous = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).filter((r) => !String(r.name).startsWith('inference ')) : [];
  writeFileSync(file, `${JSON.stringify([...previous, ...results], null, 2)}\n`);

  await running.close({ force: true });
  blobServer.close();
  await appd.close();
  await t.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
