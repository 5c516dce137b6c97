// SIGTERM to a process running startSimulationStack stops everything it started: no redis-server, no hardhat node,
// no work dir left behind.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, runUntilReadyThenSignal, until } from '@cloister/devstack';

jest.setTimeout(240_000);

type Ready = { pids: { redis: number; chain: number | null }; workDir: string };

it('SIGTERM to a startSimulationStack process leaves no process and no temporary folder', async () => {
  const run = await runUntilReadyThenSignal<Ready>(join(__dirname, 'processes', 'stackUntilSignal.ts'), 'SIGTERM', {
    onReady: (ready) => {
      expect(processAlive(ready.pids.redis)).toBe(true);
      expect(ready.pids.chain).not.toBeNull();
      expect(processAlive(ready.pids.chain!)).toBe(true);
      expect(existsSync(ready.workDir)).toBe(true);
    },
  });
  expect(run.exitCode).toBe(143);
  await until('redis-server and the hardhat node to exit', () => !processAlive(run.ready.pids.redis) && !processAlive(run.ready.pids.chain!), 30_000);
  expect(existsSync(run.ready.workDir)).toBe(false);
});
