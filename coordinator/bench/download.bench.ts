// Download timing: the aggregator's GET /v1/tasks/:taskId/rounds/:round/updates/:participant, in process against
// a real redis-server and a Hardhat node with the Cloister contracts (aggregatorSigner() registered on chain).
// One 400 KB update is recorded for task 1 round 1 (an unopened round: openedAt 0), then 200 sequential and
// 200 (16 in flight) authenticated GETs, each freshly signed by the aggregator wallet. Prints per-request ms.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { aggregatorAuthMessage } from '@cloister/protocol';
import { buildApp, loadConfig } from '../src';
import { spawnRedis } from '@cloister/devstack';
import { startTestChain } from '../test/support/chain';
import { sha256Hex } from '../test/support/client';

const N = 200;
const SIZE = 400 * 1024;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cloister-dl-bench-'));
  const [redis, t] = await Promise.all([spawnRedis(), startTestChain({ challengeWindow: 2 })]);
  try {
    const config = loadConfig(
      {
        logLevel: 'warn',
        redis: { url: redis.url },
        chain: { rpcUrl: t.chain.rpcUrl, contracts: t.deployment.contracts, startBlock: t.deployment.blockNumber, confirmations: 0 },
        store: { kind: 'filesystem', directory: dir },
        auth: { sessionSecret: 'download-bench-secret-0123456789abcdef' },
        rounds: { automate: false },
      },
      { env: {} },
    );
    const app = await buildApp(config);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    const bytes = randomBytes(SIZE);
    const hash = sha256Hex(bytes) as `0x${string}`;
    const staged = await app.store.put(Readable.from([bytes]), { maxBytes: SIZE });
    const key = `updates/${hash.slice(2)}`;
    await staged.commit(key);
    await staged.discard();
    const participant = t.participants[0]!.address;
    const opened = (await app.chain.getRound(1n, 1n)).openedAt;
    await app.uploads.record(1n, 1n, opened, { participant, ciphertextHash: hash, size: SIZE, key, signature: `0x${'11'.repeat(65)}`, receivedAt: Date.now() });
    const p = `/v1/tasks/1/rounds/1/updates/${participant}`;
    const agg = t.aggregatorWallet;
    // Signed ahead (distinct timestamps, all well within the 60 s window) so the client's signing is not timed.
    const sign = async (n: number) => {
      const ts0 = Date.now();
      return Promise.all(Array.from({ length: n }, async (_, i) => ({ 'x-cloister-aggregator-timestamp': String(ts0 + i), 'x-cloister-aggregator-signature': await agg.signMessage(aggregatorAuthMessage('GET', p, ts0 + i)) })));
    };
    let signed: Record<string, string>[] = [];
    const get = async (): Promise<number> => {
      const headers = signed.pop()!;
      const start = process.hrtime.bigint();
      const res = await fetch(`${base}${p}`, { headers });
      const body = Buffer.from(await res.arrayBuffer());
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (res.status !== 200 || body.length !== SIZE) throw new Error(`GET ${res.status} ${body.length}`);
      return ms;
    };
    signed = await sign(10);
    for (let i = 0; i < 10; i++) await get(); // warm-up
    const stats = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return { mean: +(s.reduce((a, b) => a + b, 0) / s.length).toFixed(2), p50: +s[Math.floor(s.length / 2)]!.toFixed(2), p99: +s[Math.floor(s.length * 0.99)]!.toFixed(2) };
    };
    signed = await sign(N);
    const seq: number[] = [];
    for (let i = 0; i < N; i++) seq.push(await get());
    signed = await sign(N);
    const par: number[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next++ < N) par.push(await get());
    }));
    console.log(JSON.stringify({ sequential: stats(seq), concurrent16: stats(par), sizeBytes: SIZE, n: N }));
    await app.close();
  } finally {
    await Promise.allSettled([redis.stop(), t.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
