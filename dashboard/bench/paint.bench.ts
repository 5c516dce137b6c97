// First contentful paint of the dashboard from localhost, next to a static page served by the same coordinator
// in the same run (same HTTP server, same static plugin, same header text, no script), in Debian's chromium.
// Each load uses a fresh browser context (cold cache); the two pages alternate. Prints a table and writes
// bench/latest.json: [{ name, value, unit, baseline, ratio }].
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hexlify, randomBytes } from 'ethers';
import { startTestDeployment } from '@cloister/contracts/development';
import { startCoordinator } from '@cloister/coordinator';
import { spawnRedis } from '@cloister/devstack';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../test/support/browser';
import { INITIAL_JS_BUDGET_BYTES, initialScriptSizes } from '../test/support/initialScripts';

const LOADS = Number(process.env.BENCH_LOADS ?? 15);
const DIST = path.join(__dirname, '..', 'dist');

const BASELINE_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Cloister</title></head>
<body style="margin:0;font-family:system-ui,sans-serif"><header style="background:#13233a;color:#fff;padding:0.9rem 1.5rem"><h1 style="margin:0;font-size:1.35rem">Cloister</h1></header>
<main style="padding:1.4rem 1.5rem"><p>Connecting to the coordinator…</p></main></body></html>`;

async function firstContentfulPaint(browser: Browser, url: string, ready: string): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    await page.getByText(ready).first().waitFor();
    return await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const found = performance.getEntriesByName('first-contentful-paint')[0];
          if (found) return resolve(found.startTime);
          new PerformanceObserver((list) => resolve(list.getEntries()[0]!.startTime)).observe({ type: 'paint', buffered: true });
        }),
    );
  } finally {
    await context.close();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const served = mkdtempSync(path.join(os.tmpdir(), 'cloister-dashboard-bench-'));
  const store = mkdtempSync(path.join(os.tmpdir(), 'cloister-dashboard-bench-store-'));
  cpSync(DIST, served, { recursive: true });
  writeFileSync(path.join(served, 'static-baseline.html'), BASELINE_HTML);
  const [redis, t] = await Promise.all([spawnRedis(), startTestDeployment({ challengeWindow: 0 })]);
  const coordinator = await startCoordinator({
    host: '127.0.0.1',
    port: 0,
    logLevel: 'warn',
    redis: { url: redis.url },
    chain: { rpcUrl: t.chain.rpcUrl, contracts: t.deployment.contracts, startBlock: t.deployment.blockNumber, confirmations: 0 },
    store: { kind: 'filesystem', directory: store },
    auth: { sessionSecret: hexlify(randomBytes(32)) },
    dashboard: { directory: served },
  });
  const browser = await launchChromium();
  try {
    const dashboard: number[] = [];
    const baseline: number[] = [];
    // One warm-up of each (chromium's first page pays for starting its renderer), then alternating measured loads.
    await firstContentfulPaint(browser, `${coordinator.url}/dashboard/`, 'Tasks');
    await firstContentfulPaint(browser, `${coordinator.url}/dashboard/static-baseline.html`, 'Connecting');
    for (let i = 0; i < LOADS; i++) {
      dashboard.push(await firstContentfulPaint(browser, `${coordinator.url}/dashboard/`, 'Tasks'));
      baseline.push(await firstContentfulPaint(browser, `${coordinator.url}/dashboard/static-baseline.html`, 'Connecting'));
    }
    const fcp = median(dashboard);
    const fcpBaseline = median(baseline);
    const initialKb = initialScriptSizes(DIST).reduce((sum, s) => sum + s.gzip, 0) / 1024;
    const results = [
      { name: `dashboard first contentful paint, localhost (median of ${LOADS} cold loads)`, value: round(fcp), unit: 'ms', baseline: round(fcpBaseline), ratio: round(fcp / fcpBaseline) },
      { name: 'dashboard initial JavaScript (gzip) against the 300 KB budget', value: round(initialKb), unit: 'KB', baseline: INITIAL_JS_BUDGET_BYTES / 1024, ratio: round(initialKb / (INITIAL_JS_BUDGET_BYTES / 1024)) },
    ];
    console.log(`\nfirst contentful paint from ${coordinator.url} (chromium, ${LOADS} cold loads each, alternating)`);
    console.log('| what | value | baseline | ratio |\n|---|---|---|---|');
    console.log(`| dashboard FCP, median (min–max ${round(Math.min(...dashboard))}–${round(Math.max(...dashboard))} ms) | ${round(fcp)} ms | static page of the same server ${round(fcpBaseline)} ms (min–max ${round(Math.min(...baseline))}–${round(Math.max(...baseline))}) | ${round(fcp / fcpBaseline)} |`);
    console.log(`| initial JavaScript | ${round(initialKb)} KB gzip | budget ${INITIAL_JS_BUDGET_BYTES / 1024} KB | ${round(initialKb / (INITIAL_JS_BUDGET_BYTES / 1024))} |`);
    writeFileSync(path.join(__dirname, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await browser.close();
    await coordinator.close();
    await Promise.allSettled([redis.stop(), t.stop()]);
    rmSync(served, { recursive: true, force: true });
    rmSync(store, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
