// The stack the coordinator's upload benches measure against, started and stopped in one place: Redis, a Hardhat chain
// with the Cloister contracts, the coordinator in its own process (filesystem store) and the bare hashing server (the
// baseline); plus the timed PUT both send and the table both print.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawnRedis } from '@cloister/devstack';
import { developmentConfig } from '../src/development';
import { startTestChain, type TestChain } from '../test/support/chain';
import { spawnCoordinator, type ChildCoordinator } from '../test/support/process';
import { type BareServer, spawnBare } from './benchProcesses';

export type Row = { name: string; value: number; unit: string; baseline: number | null; ratio: number | null };
export type PutResult = { status: number; ms: number; body: string };

export type BenchStack = {
  t: TestChain;
  /** Keep-alive agent for the uploads; destroyed when the bench ends. */
  agent: http.Agent;
  /** Starts the coordinator with these settings over the ones every bench shares. */
  startCoordinator(settings: { sessionSecret: string; uploads: Record<string, number> }): Promise<ChildCoordinator>;
  /** The bare hashing server; `{ store: true }`: the one that also stores each body in a file (same disk as the coordinator's store). */
  startBare(options?: { store: boolean }): Promise<BareServer>;
};

/**
 * Runs `use` with its own keep-alive agent, destroyed afterwards: fresh connections (a connection left idle by an
 * earlier run, reused on a loaded machine, was sometimes reset: EPIPE / ECONNRESET on a reused socket).
 */
export async function withAgent<T>(maxSockets: number, use: (agent: http.Agent) => Promise<T>): Promise<T> {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  try {
    return await use(agent);
  } finally {
    agent.destroy();
  }
}

/** Runs `bench` against a fresh stack, stops all of it afterwards, and exits with status 1 and the stack when it fails. */
export function runBench(tmpPrefix: string, maxSockets: number, bench: (stack: BenchStack) => Promise<void>): void {
  const main = async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
    const redis = await spawnRedis();
    const t = await startTestChain({ challengeWindow: 600 });
    const agent = new http.Agent({ keepAlive: true, maxSockets });
    const started: { coordinator?: ChildCoordinator; bare: BareServer[] } = { bare: [] };
    try {
      await bench({
        t,
        agent,
        startCoordinator: async ({ sessionSecret, uploads }) =>
          (started.coordinator = await spawnCoordinator(
            developmentConfig(t, redis.url, path.join(tmp, 'store'), { logLevel: (process.env.CLOISTER_BENCH_LOG_LEVEL as 'error' | undefined) ?? 'error', chain: { pollIntervalMs: 500 }, auth: { sessionSecret }, uploads }),
          )),
        startBare: async (options) => {
          const bare = await spawnBare(options?.store ? path.join(tmp, `bare-store-${started.bare.length}`) : undefined);
          started.bare.push(bare);
          return bare;
        },
      });
    } catch (error) {
      if (started.coordinator) process.stderr.write(`coordinator output:\n${started.coordinator.output()}\n`);
      throw error;
    } finally {
      agent.destroy();
      for (const bare of started.bare) bare.child.kill('SIGTERM');
      await started.coordinator?.kill();
      await t.stop();
      await redis.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  };
  main().catch((error) => {
    process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
    process.exit(1);
  });
}

/**
 * PUTs `size` bytes that `send` writes (and ends the request with); resolves with the status, the elapsed ms and the
 * answer, or status 0 and the error's message when the request failed.
 */
export function timedPut(agent: http.Agent, url: string, headers: Record<string, string>, size: number, send: (req: http.ClientRequest) => void): Promise<PutResult> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
    const req = http.request(url, { method: 'PUT', agent, headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(size) } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: ms(), body }));
    });
    req.on('error', (err) => resolve({ status: 0, ms: ms(), body: `${err.message}${req.reusedSocket ? ' (on a reused keep-alive connection)' : ''}` }));
    send(req);
  });
}

/** Prints the rows as a markdown table, numbers through `fmt`. */
export function printRows(rows: Row[], baselineHeader: string, fmt: (n: number | null) => string): void {
  process.stdout.write(`\n| benchmark | value | unit | ${baselineHeader} | ratio |\n|---|---|---|---|---|\n`);
  for (const r of rows) process.stdout.write(`| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${fmt(r.baseline)} | ${fmt(r.ratio)} |\n`);
}
