// Confidential inference end to end: Hardhat chain with the contracts, redis-server, development appd (NOT a TEE),
// the aggregator with its inference endpoint, a coordinator test double serving the model and spec blobs.
import * as tf from '@tensorflow/tfjs';
import { encodeTensors, sha256Hex, type NamedTensor } from '@cloister/protocol';
import { createTestTask, governAlone, type TestDeployment } from '@cloister/contracts/development';
import { getBytes, type Wallet } from 'ethers';
import pino from 'pino';
import { AppdClient } from '../src/appd/appdClient';
import type { AggregatorConfig } from '../src/config';
import { initInferenceBackend } from '../src/inference/modelRuntime';
import { startAggregator, type RunningAggregator } from '../src/jobs/startAggregator';
import { query } from './inferenceClient';
import { startTestServices, testInferenceConfig, weightsOf, type CoordinatorDouble, type TestServices } from './support';

jest.setTimeout(240_000);

const FEATURES = 10;
const PRICE = 1_000n;

/** A small MLP with seeded, non-zero weights (the heart-disease task's shape with a hidden layer). */
function buildModel(): tf.Sequential {
  const model = tf.sequential({ name: 'inference_mlp' });
  model.add(tf.layers.dense({ name: 'hidden', units: 8, activation: 'relu', inputShape: [FEATURES], kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }), biasInitializer: tf.initializers.constant({ value: 0.1 }) }));
  model.add(tf.layers.dense({ name: 'logit', units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }));
  return model;
}

function rowsOf(n: number, seed: number): NamedTensor {
  const data = new Float32Array(n * FEATURES);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(seed * 31 + i * 0.7) * 2;
  return { name: 'input', shape: [n, FEATURES], data };
}

describe('confidential inference (chain, redis-server, development appd, aggregator endpoint)', () => {
  let services: TestServices;
  let t: TestDeployment;
  let coordinator: CoordinatorDouble;
  let running: RunningAggregator | null = null;
  let config: AggregatorConfig;
  let taskId: bigint;
  let reference: tf.Sequential;
  let querier: Wallet;
  let broke: Wallet;
  let aggregatorPublicKey: Uint8Array;
  const log = pino({ level: 'silent' });

  const send = (input: NamedTensor, who: Wallet = querier, extra: Partial<Parameters<typeof query>[0]> = {}) =>
    query({
      url: running!.inference!.url,
      chainId: BigInt(t.chain.chainId),
      inferenceCredit: t.deployment.contracts.inferenceCredit,
      aggregatorPublicKey,
      taskId,
      querier: who,
      input,
      ...extra,
    });

  beforeAll(async () => {
    services = await startTestServices({ name: 'agg-inference', secretByte: 5, logger: log });
    ({ t, coordinator } = services);

    await initInferenceBackend();
    reference = buildModel();
    const modelBytes = encodeTensors(weightsOf(reference));
    const spec = { version: 1, name: 'inference', model: { topology: reference.toJSON(null, false) } };
    const specBytes = Buffer.from(JSON.stringify(spec));
    coordinator.blobs.set(sha256Hex(modelBytes).slice(2), Buffer.from(modelBytes));
    coordinator.blobs.set(sha256Hex(specBytes).slice(2), specBytes);
    taskId = await createTestTask(t, [t.wallet(4), t.wallet(5)], {
      roundDuration: 3600,
      modelSpecHash: sha256Hex(specBytes),
      initialModelHash: sha256Hex(modelBytes),
      initialModelUri: `blobs/${sha256Hex(modelBytes).slice(2)}`,
    });
    const credit = t.contracts.inferenceCredit;
    await governAlone(t, await credit.getAddress(), credit.interface.encodeFunctionData('setPrice', [taskId, PRICE]));
    querier = t.wallet(6);
    broke = t.wallet(7);
    await (await credit.connect(querier).deposit({ value: PRICE * 100n })).wait();

    config = services.aggregatorConfig(`inference-test-${process.pid}`, {
      openInWorker: false,
      inference: testInferenceConfig(t.deployment.contracts.inferenceCredit, { rateLimit: 1000, maxRows: 256 }),
    });
    running = await startAggregator(config, { logger: log });
    aggregatorPublicKey = getBytes(await t.contracts.aggregatorRegistry.hpkePublicKey());
  });

  afterAll(async () => {
    await running?.close({ force: true });
    reference?.dispose();
    await services?.stop();
  });

  it('answers equal a plain tfjs predict of the accepted model to 1e-6; cost is rows × price', async () => {
    // A buyer of its own with 100 rows of credit: the other tests' usage does not change what this one is left with.
    const buyer = t.wallet(9);
    await (await t.contracts.inferenceCredit.connect(buyer).deposit({ value: PRICE * 100n })).wait();
    const input = rowsOf(64, 1);
    const result = await send(input, buyer);
    expect(result.status).toBe(200);
    expect(result.body.cost).toBe((PRICE * 64n).toString());
    expect(result.body.creditLeft).toBe((PRICE * 36n).toString());
    const expected = tf.tidy(() => (reference.predict(tf.tensor(input.data, input.shape)) as tf.Tensor).dataSync() as Float32Array);
    expect(result.output!.shape).toEqual([64, 1]);
    expect(result.output!.data).toHaveLength(64);
    let maxDiff = 0;
    for (let i = 0; i < 64; i++) maxDiff = Math.max(maxDiff, Math.abs(result.output!.data[i]! - expected[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    expect(new Set(Array.from(expected).map((v) => v.toFixed(3))).size).toBeGreaterThan(10); // not a constant model
  });

  it('a replayed request is charged once, also when the aggregator restarts between the answer and the settlement', async () => {
    const credit = t.contracts.inferenceCredit;
    await running!.inference!.settler.settleAll(); // earlier tests' usage out of the way
    const before = await credit.creditOf(querier.address);
    const first = await send(rowsOf(3, 2));
    expect(first.status).toBe(200);
    expect(first.body.cost).toBe((PRICE * 3n).toString());
    const again = await send(rowsOf(3, 2), querier, { requestId: first.requestId, replay: first.replay });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replay: true, cost: '0' });
    expect(Array.from(again.output!.data)).toEqual(Array.from(first.output!.data));

    // restart between the answer and the settlement: the usage waits in Redis, the new process settles it
    await running!.close();
    running = await startAggregator(config, { logger: log });
    expect(await running.inference!.settler.settleAll()).toBe(1);
    expect(await credit.isSettled(taskId, querier.address, first.requestId)).toBe(true);
    expect(await credit.creditOf(querier.address)).toBe(before - PRICE * 3n);

    // after the settlement: a replay is answered but not charged; the same settlement sent again (a crash after the
    // transaction, another instance) is refused by the contract
    const late = await send(rowsOf(3, 2), querier, { requestId: first.requestId, replay: first.replay });
    expect(late.body).toMatchObject({ replay: true, cost: '0' });
    expect(await running.inference!.settler.settleAll()).toBe(0);
    const resend = credit.interface.encodeFunctionData('settle', [taskId, [first.requestId], [querier.address], [3]]);
    const appdClient = new AppdClient({ socketPath: services.appd.socketPath });
    await appdClient.signSubmit({ to: await credit.getAddress(), data: resend, gasLimit: 400_000 });
    await appdClient.close();
    expect(await credit.creditOf(querier.address)).toBe(before - PRICE * 3n);
  });

  it('no credit: a typed 402 refusal, and nothing is charged or queued', async () => {
    const credit = t.contracts.inferenceCredit;
    await running!.inference!.settler.settleAll(); // other tests' usage out of the way
    const result = await send(rowsOf(1, 3), broke);
    expect(result.status).toBe(402);
    expect(result.body.code).toBe('CLOISTER_ERR_INFERENCE_INSUFFICIENT_CREDIT');
    expect(result.output).toBeUndefined();
    expect(await running!.inference!.settler.settleAll()).toBe(0);
    expect(await credit.isSettled(taskId, broke.address, result.requestId)).toBe(false);
    expect(await credit.creditOf(broke.address)).toBe(0n);
  });

  it('refuses a request signed by someone else (401), a malformed one (400) and a paused task (403)', async () => {
    const forged = await send(rowsOf(1, 4), querier, {});
    const signedByOther = await send(rowsOf(1, 4), querier, {
      requestId: forged.requestId,
      replay: { ...forged.replay, signature: (await send(rowsOf(1, 4), broke)).replay.signature },
    });
    expect(signedByOther.status).toBe(401);
    expect(signedByOther.body.code).toBe('CLOISTER_ERR_INFERENCE_SIGNATURE_INVALID');
    const bad = await fetch(`${running!.inference!.url}/inference/v1/tasks/${taskId}/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ querier: querier.address }),
    });
    expect(bad.status).toBe(400);
    const wrongShape = await send({ name: 'input', shape: [2, 3], data: new Float32Array(6) });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.code).toBe('CLOISTER_ERR_INFERENCE_REQUEST_INVALID');

    const credit = t.contracts.inferenceCredit;
    await governAlone(t, await credit.getAddress(), credit.interface.encodeFunctionData('setPaused', [taskId, true]));
    const paused = await send(rowsOf(1, 5));
    expect(paused.status).toBe(403);
    expect(paused.body.code).toBe('CLOISTER_ERR_INFERENCE_PAUSED');
    await governAlone(t, await credit.getAddress(), credit.interface.encodeFunctionData('setPaused', [taskId, false]));
    const terms = await (await fetch(`${running!.inference!.url}/inference/v1/tasks/${taskId}`)).json();
    expect(terms).toMatchObject({ pricePerRow: PRICE.toString(), paused: false });
  });

  it('limits the rate per querier with 429 and Retry-After', async () => {
    await running!.close();
    running = await startAggregator({ ...config, inference: { ...config.inference!, rateLimit: 2 } }, { logger: log });
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    try {
      for (let i = 0; i < 4; i++) {
        const r = await send(rowsOf(1, 10 + i), t.wallet(8));
        statuses.push(r.status);
        retryAfter ??= r.retryAfter;
      }
    } finally {
      // Back to the file's configuration: tests that run after this one are not rate limited.
      await running.close();
      running = await startAggregator(config, { logger: log });
    }
    // wallet 8 has no credit: the first two get past the limiter (402), the rest are limited
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  });
});
