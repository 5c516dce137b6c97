// Integration fixtures: a Hardhat node with Cloister deployed (Sapphire mocks) and a real HPKE aggregator key on chain,
// the real coordinator in front of it, and a TCP proxy that resets connections (the redis-server and polling come
// from @cloister/devstack).
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCoordinator, type RunningCoordinator } from '@cloister/coordinator';
import { developmentConfig } from '@cloister/coordinator/development';
import { createTestTask, startTestDeployment, type TestDeployment } from '@cloister/contracts/development';
import { spawnRedis, type SpawnedRedis } from '@cloister/devstack';
import { generateRecipientKeyPair, sha256Hex, type RecipientKeyPair } from '@cloister/protocol';
import { hexlify, type Wallet } from 'ethers';

export { governAlone as govern } from '@cloister/contracts/development';

export type TestChain = TestDeployment & { aggregatorKeys: RecipientKeyPair; participants: Wallet[]; outsider: Wallet };

/**
 * contracts' startTestDeployment (Hardhat node with the Sapphire mocks, one governance member, the aggregator
 * authorized as a ROFL origin) with a real HPKE aggregator key registered on chain, three participants and an outsider.
 */
export async function startTestChain(): Promise<TestChain> {
  const aggregatorKeys = await generateRecipientKeyPair();
  const t = await startTestDeployment({ challengeWindow: 600, aggregatorPublicKey: hexlify(aggregatorKeys.publicKey) });
  return { ...t, aggregatorKeys, participants: [4, 5, 6].map((i) => t.wallet(i)), outsider: t.wallet(8) };
}

/** A task whose spec (also its data schema) and initial model are the given blobs (`blobs/<sha256>`). */
export async function createTask(
  t: TestChain,
  admitted: Wallet[],
  o: { modelSpecHash: string; initialModelHash: string; roundDuration: number; minParticipants?: number },
): Promise<bigint> {
  return createTestTask(t, admitted, {
    ...o,
    initialModelUri: `blobs/${o.initialModelHash.slice(2)}`,
    dataSchemaHash: o.modelSpecHash,
  });
}

export type ClientTestStack = {
  t: TestChain;
  redis: SpawnedRedis;
  coordinator: RunningCoordinator;
  /** A temporary folder for the participants' round state (removed by `stop()`). */
  stateDir: string;
  /** Uploads `bytes` as the operator (`PUT /v1/blobs/<sha256>`); returns their 0x-prefixed sha256. */
  putBlob(bytes: Uint8Array): Promise<string>;
  stop(): Promise<void>;
};

/**
 * The stack the participants talk to: a throw-away redis-server, the test chain (startTestChain) and the real
 * coordinator in-process on a temporary filesystem store, its uploads and rounds tuned for tests. `name` tells the
 * temporary folders and the secrets of two test files apart.
 */
export async function startClientTestStack(name: string): Promise<ClientTestStack> {
  const storeDir = mkdtempSync(join(tmpdir(), `cloister-${name}-store-`));
  const stateDir = mkdtempSync(join(tmpdir(), `cloister-${name}-state-`));
  const operatorToken = `${name}-operator-token-0123456789`;
  const [redis, t] = await Promise.all([spawnRedis(), startTestChain()]);
  const removeAll = async () => {
    await Promise.allSettled([redis.stop(), t.stop()]);
    for (const dir of [storeDir, stateDir]) rmSync(dir, { recursive: true, force: true });
  };
  const coordinator = await startCoordinator(
    developmentConfig(t, redis.url, storeDir, {
      auth: { sessionSecret: `${name}-secret-0123456789abcdef0123456789`, operatorToken },
      uploads: { commitmentWaitMs: 3000, commitmentPollMs: 100, graceSeconds: 0 },
      rounds: { uploadGraceMs: 3000, closeDelayMs: 300 },
    }),
  ).catch(async (error: unknown) => {
    await removeAll();
    throw error;
  });
  return {
    t,
    redis,
    coordinator,
    stateDir,
    async putBlob(bytes) {
      const hash = sha256Hex(bytes);
      const res = await fetch(`${coordinator.url}/v1/blobs/${hash.slice(2)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${operatorToken}` },
        body: bytes as unknown as string,
      });
      if (!res.ok) throw new Error(`blob upload failed: ${res.status} ${await res.text()}`);
      return hash;
    },
    async stop() {
      await coordinator.close();
      await removeAll();
    },
  };
}

export type ResettingProxy = {
  url: string;
  /** Connections reset so far. */
  resets: number;
  /** 'reset': every connection (open ones included) is reset; 'pass': forwarded, once `resetFirst` were reset. */
  setMode(mode: 'pass' | 'reset'): void;
  close(): Promise<void>;
};

/**
 * A TCP proxy in front of `target` (http://host:port) that resets (RST) the first `resetFirst` connections after
 * their first request bytes arrive (the client sees ECONNRESET / "socket hang up"), then forwards. In 'reset' mode it
 * also resets the kept-alive connections already open, as a server that dropped them would.
 */
export async function startResettingProxy(target: string, resetFirst: number): Promise<ResettingProxy> {
  const { hostname, port } = new URL(target);
  let mode: 'pass' | 'reset' = 'pass';
  let toReset = resetFirst;
  const open = new Set<Socket>();
  const proxy: ResettingProxy = {
    url: '',
    resets: 0,
    setMode(m) {
      mode = m;
      if (m === 'reset') for (const s of open) s.resetAndDestroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (mode === 'reset' || toReset > 0) {
      toReset = Math.max(0, toReset - 1);
      client.once('data', () => {
        proxy.resets++;
        client.resetAndDestroy();
      });
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address() as { port: number };
  proxy.url = `http://127.0.0.1:${address.port}`;
  return proxy;
}
