// SIGINT or SIGTERM to a process running the library's startStack stops everything it started: no redis-server, no
// hardhat node, no work dir left behind.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, runUntilReadyThenSignal, until } from '@cloister/devstack';
import { pidListeningOn } from '@cloister/simulation';

jest.setTimeout(240_000);

type Ready = { redisUrl: string; rpcUrl: string; coordinatorUrl: string; workDir: string };
const portOf = (url: string) => Number(new URL(url).port);

it.each(['SIGINT', 'SIGTERM'] as const)('%s to a startStack process leaves no process and no temporary folder', async (signal) => {
  const helpers: number[] = [];
  const run = await runUntilReadyThenSignal<Ready>(join(__dirname, 'processes', 'stackUntilSignal.ts'), signal, {
    onReady: (ready) => {
      expect(existsSync(ready.workDir)).toBe(true);
      for (const url of [ready.redisUrl, ready.rpcUrl]) {
        const pid = pidListeningOn(portOf(url));
        expect(pid).not.toBeNull();
        helpers.push(pid!);
      }
    },
  });
  expect(run.exitCode).toBe(signal === 'SIGINT' ? 130 : 143);
  await until('redis-server and the hardhat node to exit', () => helpers.every((pid) => !processAlive(pid)), 30_000);
  expect(existsSync(run.ready.workDir)).toBe(false);
});
