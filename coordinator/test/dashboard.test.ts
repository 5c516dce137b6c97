// Integration: the coordinator serves the web dashboard's static build under /dashboard/ (hashed assets cached for
// good, index.html never), Swagger UI at /docs, the network description browsers read the chain with, and the
// operator's view (queue depths, aggregator workers, uploads per current round), on a real Redis and Hardhat chain.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROUND_STATE } from '@cloister/protocol';
import { until } from '@cloister/devstack';
import { resolveDashboardDirectory } from '../src/plugins/dashboard';
import { createTask } from './support/chain';
import { http } from './support/client';
import { startCoordinatorStack, type CoordinatorStack } from './support/stack';

jest.setTimeout(120_000);

let stack: CoordinatorStack;
let dashboardDir: string;

beforeAll(async () => {
  dashboardDir = mkdtempSync(path.join(os.tmpdir(), 'cloister-dashboard-'));
  mkdirSync(path.join(dashboardDir, 'assets'));
  writeFileSync(path.join(dashboardDir, 'index.html'), '<!doctype html><title>Cloister</title><script type="module" src="./assets/index-abc123.js"></script>');
  writeFileSync(path.join(dashboardDir, 'assets', 'index-abc123.js'), 'console.log("dashboard")');
  stack = await startCoordinatorStack({
    name: 'cloister-dashboard-store',
    chain: { challengeWindow: 0 },
    config: {
      auth: { operatorToken: 'operator-token-0123456789' },
      dashboard: { directory: dashboardDir },
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dashboardDir, { recursive: true, force: true });
});

describe('the dashboard, its API and the API docs', () => {
  it('serves the dashboard build: index.html revalidated, hashed assets immutable', async () => {
    const url = stack.coordinator.url;
    const redirect = await fetch(`${url}/dashboard`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/dashboard/');
    const index = await fetch(`${url}/dashboard/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('assets/index-abc123.js');
    const asset = await fetch(`${url}/dashboard/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${url}/dashboard/assets/missing.js`)).status).toBe(404);
  });

  it('serves Swagger UI at /docs and the OpenAPI document with the new routes', async () => {
    const ui = await fetch(`${stack.coordinator.url}/docs/static/index.html`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger/i);
    const docs = await http(`${stack.coordinator.url}/docs/json`);
    const paths = Object.keys(docs.body.paths as object);
    expect(paths).toEqual(expect.arrayContaining(['/v1/network', '/v1/operations', '/v1/tasks']));
    expect(paths.some((p) => p.startsWith('/dashboard'))).toBe(false);
  });

  it('describes the network for browsers: chain id, RPC URL, contracts, the chain token', async () => {
    const { status, body } = await http(`${stack.coordinator.url}/v1/network`);
    expect(status).toBe(200);
    expect(body).toEqual({
      chainId: String(stack.t.chain.chainId),
      rpcUrl: stack.t.chain.rpcUrl,
      sapphire: false,
      token: { symbol: 'ETH', decimals: 18 },
      contracts: expect.objectContaining({ taskManager: stack.t.deployment.contracts.taskManager }),
      deploymentBlock: stack.t.deployment.blockNumber,
    });
  });

  it('gives the operator queue depths, aggregator workers and uploads of the current round', async () => {
    const empty = await http(`${stack.coordinator.url}/v1/operations`);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ aggregatorWorkers: 0, rounds: [] });
    expect(Object.keys(empty.body.queues as object).sort()).toEqual(['cloister-aggregation', 'cloister-rounds']);

    const [p1, p2] = stack.t.participants;
    const taskId = await createTask(stack.t, [p1!, p2!], { roundDuration: 600, minParticipants: 2, maxParticipants: 2 });
    let view: Record<string, unknown> = {};
    for (let i = 0; i < 600; i++) {
      view = (await http(`${stack.coordinator.url}/v1/operations`)).body;
      if ((view.rounds as unknown[]).length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(view.rounds).toEqual([{ taskId: taskId.toString(), round: 1, state: ROUND_STATE.Open, deadline: expect.any(Number), committed: 0, uploads: 0 }]);
    expect(view.chainTime as number).toBeGreaterThan(0);
  });

  it('answers the operator view with a coded 503 while Redis is down, and keeps serving', async () => {
    await stack.redis.kill();
    try {
      const res = await http(`${stack.coordinator.url}/v1/operations`);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 'CLOISTER_ERR_NOT_READY', message: expect.stringContaining('redis unreachable') });
      expect((await http(`${stack.coordinator.url}/health`)).status).toBe(200);
    } finally {
      // Back for the tests that run after this one (any order).
      await stack.redis.restart();
    }
    await until('the operator view again', async () => (await http(`${stack.coordinator.url}/v1/operations`)).status === 200, 30_000);
  });

  it('finds no dashboard where the directory has no index.html', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'cloister-no-dashboard-'));
    try {
      expect(resolveDashboardDirectory(empty)).toBeNull();
      expect(resolveDashboardDirectory(dashboardDir)).toBe(dashboardDir);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
