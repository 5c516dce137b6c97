// Test helpers: the development appd and the aggregator settings the integration tests share, and a TEST DOUBLE of
// the coordinator's aggregator routes (the real coordinator lives in coordinator/ and is built concurrently). The
// double implements exactly the documented routes:
//   GET /v1/blobs/:sha256, PUT /v1/blobs/:sha256 (aggregator-signed), GET /v1/tasks/:t/rounds/:r/updates/:p
//   (aggregator-signed, ciphertext + x-cloister-signature header), with the documented auth headers checked.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { Deployment } from '@cloister/contracts';
import {
  authorizeRoflOrigin,
  EXAMPLE_ROFL_APP_ID,
  EXAMPLE_ROFL_APP_ID_BYTES21,
  jsonRpc,
  startTestDeployment,
  type TestDeployment,
  type TestDeploymentOptions,
} from '@cloister/contracts/development';
import { startDevelopmentAppd, type DevelopmentAppd } from '@cloister/development-appd';
import { aggregatorAuthMessage, HEADERS, sha256Hex, type NamedTensor } from '@cloister/protocol';
import { freePort, spawnRedis, type SpawnedRedis } from '@cloister/devstack';
import { getAddress, verifyMessage, type JsonRpcProvider } from 'ethers';
import type { Logger } from 'pino';
import type { AggregatorConfig } from '../src/config';
import type { InferenceConfig } from '../src/inference/startInference';

/**
 * The development appd (NOT a TEE) with its socket in `dir` and a fixed secret (every byte `secretByte`), its signer
 * funded and authorized on the chain's ROFL mock as an instance of EXAMPLE_ROFL_APP_ID.
 */
export async function startTestAppd(o: { dir: string; rpcUrl: string; provider: JsonRpcProvider; secretByte: number; logger: Logger }): Promise<DevelopmentAppd> {
  const appd = await startDevelopmentAppd({
    socketPath: path.join(o.dir, 'appd.sock'),
    appId: EXAMPLE_ROFL_APP_ID,
    secret: Buffer.alloc(32, o.secretByte),
    rpcUrl: o.rpcUrl,
    logger: o.logger,
  });
  await o.provider.send('hardhat_setBalance', [appd.signerAddress, '0x56BC75E2D63100000']);
  await authorizeRoflOrigin(jsonRpc(o.rpcUrl), EXAMPLE_ROFL_APP_ID_BYTES21, appd.signerAddress);
  return appd;
}

/**
 * The aggregator settings every integration test starts from: the test's appd, Redis, chain and coordinator, state
 * under `dir`, 1 MiB updates, short BullMQ lock and stalled intervals, silent logs, keys published; `own` holds the
 * test's own settings and overrides these.
 */
export function testAggregatorConfig(
  stack: { appd: DevelopmentAppd; redisUrl: string; queuePrefix: string; rpcUrl: string; contracts: Deployment['contracts']; coordinatorUrl: string; dir: string },
  own: Partial<AggregatorConfig> = {},
): AggregatorConfig {
  return {
    appdSocket: stack.appd.socketPath,
    redisUrl: stack.redisUrl,
    queuePrefix: stack.queuePrefix,
    rpcUrl: stack.rpcUrl,
    taskManagerAddress: stack.contracts.taskManager,
    aggregatorRegistryAddress: stack.contracts.aggregatorRegistry,
    coordinatorUrl: stack.coordinatorUrl,
    stateDir: path.join(stack.dir, 'state'),
    maxUpdateBytes: 1 << 20,
    lockDurationMs: 2000,
    stalledIntervalMs: 1000,
    logLevel: 'silent',
    publishKeys: true,
    ...own,
  };
}

/**
 * An inference endpoint for tests on any free local port: settlement only when a test asks for it (settleAll), so the
 * tests control when it happens, and every request reads the chain (the tests change prices, pauses and models
 * between requests).
 */
export function testInferenceConfig(inferenceCreditAddress: string, limits: { rateLimit: number; maxRows: number }): InferenceConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    inferenceCreditAddress,
    rateLimit: limits.rateLimit,
    rateWindowMs: 60_000,
    maxRows: limits.maxRows,
    settleIntervalMs: 3_600_000,
    settleBatch: 50,
    chainCacheMs: 0,
  };
}

/**
 * Stops what an integration test started around the aggregator, in order (coordinator double, appd, chain, Redis)
 * and removes its folder; a part a failed start never reached is skipped. The aggregator itself is closed first by
 * the test, with whatever else it holds (queues, models).
 */
export async function stopTestServices(parts: {
  coordinator?: CoordinatorDouble;
  appd?: DevelopmentAppd;
  chain?: { stop(): Promise<void> };
  redis?: { stop(): Promise<void> };
  dir?: string;
}): Promise<void> {
  await parts.coordinator?.stop();
  await parts.appd?.close();
  await parts.chain?.stop();
  await parts.redis?.stop();
  if (parts.dir) rmSync(parts.dir, { recursive: true, force: true });
}

export type TestServices = {
  /** The test's folder (appd socket, aggregator state). */
  dir: string;
  redis: SpawnedRedis;
  t: TestDeployment;
  appd: DevelopmentAppd;
  coordinator: CoordinatorDouble;
  /** testAggregatorConfig on these services: the aggregator's queues under `queuePrefix`, `own` on top. */
  aggregatorConfig(queuePrefix: string, own?: Partial<AggregatorConfig>): AggregatorConfig;
  stop(): Promise<void>;
};

/**
 * What an aggregator integration test on contracts' test deployment runs against: a folder, a redis-server, the
 * deployment, the development appd authorized on it (startTestAppd) and the coordinator double. A failed start stops
 * what had started.
 */
export async function startTestServices(o: { name: string; secretByte: number; logger: Logger; deployment?: TestDeploymentOptions }): Promise<TestServices> {
  const parts: Parameters<typeof stopTestServices>[0] = { dir: mkdtempSync(path.join(tmpdir(), `${o.name}-`)) };
  try {
    const redis = (parts.redis = await spawnRedis());
    const t = (parts.chain = await startTestDeployment(o.deployment));
    const appd = (parts.appd = await startTestAppd({ dir: parts.dir!, rpcUrl: t.chain.rpcUrl, provider: t.provider, secretByte: o.secretByte, logger: o.logger }));
    const coordinator = (parts.coordinator = await startCoordinatorDouble(() => t.contracts.aggregatorRegistry.aggregatorSigner()));
    const dir = parts.dir!;
    return {
      dir,
      redis,
      t,
      appd,
      coordinator,
      aggregatorConfig: (queuePrefix, own) =>
        testAggregatorConfig({ appd, redisUrl: redis.url, queuePrefix, rpcUrl: t.chain.rpcUrl, contracts: t.deployment.contracts, coordinatorUrl: coordinator.url, dir }, own),
      stop: () => stopTestServices(parts),
    };
  } catch (error) {
    await stopTestServices(parts);
    throw error;
  }
}

/** A tfjs model's weights as named tensors (the values copied out of its variables). */
export function weightsOf(model: tf.LayersModel): NamedTensor[] {
  return model.weights.map((w) => ({ name: w.originalName, shape: [...w.shape] as number[], data: Float32Array.from(w.read().dataSync() as Float32Array) }));
}

export type CoordinatorDouble = {
  url: string;
  blobs: Map<string, Buffer>;
  updates: Map<string, { ciphertext: Uint8Array; signature: string }>;
  /** When set, a GET of this update key hangs (never answered) and `onHeld` is called. */
  hold: { key: string; onHeld: () => void } | null;
  /** The next this many blob PUTs are answered 503 (store unavailable) and not stored. */
  refuseBlobPuts: number;
  requests: string[];
  stop(): Promise<void>;
};

export const updateKey = (taskId: bigint, round: bigint, participant: string) => `${taskId}/${round}/${getAddress(participant)}`;

export async function startCoordinatorDouble(aggregatorSigner: () => Promise<string>): Promise<CoordinatorDouble> {
  const held: ServerResponse[] = [];
  const double: CoordinatorDouble = {
    url: '',
    blobs: new Map(),
    updates: new Map(),
    hold: null,
    refuseBlobPuts: 0,
    requests: [],
    stop: async () => undefined,
  };
  const authOk = async (req: IncomingMessage, path: string) => {
    const ts = req.headers[HEADERS.aggregatorTimestamp];
    const sig = req.headers[HEADERS.aggregatorSignature];
    if (typeof ts !== 'string' || typeof sig !== 'string' || Math.abs(Date.now() - Number(ts)) > 60_000) return false;
    try {
      return getAddress(verifyMessage(aggregatorAuthMessage(req.method!, path, ts), sig)) === getAddress(await aggregatorSigner());
    } catch {
      return false;
    }
  };
  const server = createHttpServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]!;
      double.requests.push(`${req.method} ${path}`);
      const blob = /^\/v1\/blobs\/(?:0x)?([0-9a-f]{64})$/.exec(path);
      const upd = /^\/v1\/tasks\/(\d+)\/rounds\/(\d+)\/updates\/(0x[0-9a-fA-F]{40})$/.exec(path);
      const send = (status: number, body: Buffer | string, headers: Record<string, string> = {}) => {
        res.writeHead(status, headers);
        res.end(body);
      };
      if (blob && req.method === 'GET') {
        const b = double.blobs.get(blob[1]!);
        return b ? send(200, b, { 'content-type': 'application/octet-stream' }) : send(404, '{"code":"CLOISTER_ERR_BLOB_NOT_FOUND"}');
      }
      if (blob && req.method === 'PUT') {
        if (!(await authOk(req, path))) return send(401, '{"code":"unauthorized"}');
        const pieces: Buffer[] = [];
        for await (const p of req) pieces.push(p as Buffer);
        if (double.refuseBlobPuts > 0) {
          double.refuseBlobPuts -= 1;
          return send(503, '{"code":"CLOISTER_ERR_STORE_UNAVAILABLE"}', { 'content-type': 'application/json', 'retry-after': '1' });
        }
        const body = Buffer.concat(pieces);
        if (sha256Hex(body).slice(2) !== blob[1]) return send(400, '{"code":"CLOISTER_ERR_BLOB_HASH_MISMATCH"}');
        const duplicate = double.blobs.has(blob[1]!);
        double.blobs.set(blob[1]!, body);
        return send(200, JSON.stringify({ sha256: `0x${blob[1]}`, size: body.length, duplicate }), { 'content-type': 'application/json' });
      }
      if (upd && req.method === 'GET') {
        if (!(await authOk(req, path))) return send(401, '{"code":"unauthorized"}');
        const key = updateKey(BigInt(upd[1]!), BigInt(upd[2]!), upd[3]!);
        if (double.hold?.key === key) {
          held.push(res);
          double.hold.onHeld();
          return undefined;
        }
        const u = double.updates.get(key);
        if (!u) return send(404, '{"code":"CLOISTER_ERR_UPDATE_NOT_FOUND"}');
        return send(200, Buffer.from(u.ciphertext), { 'content-type': 'application/octet-stream', [HEADERS.signature]: u.signature });
      }
      return send(404, '{"code":"not_found"}');
    })().catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  double.url = `http://127.0.0.1:${port}`;
  double.stop = async () => {
    for (const r of held) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return double;
}
