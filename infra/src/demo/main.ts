#!/usr/bin/env node
// `npm run demo [-- --dataset mnist --rounds N --strategy S --report-dir DIR]`: the whole federation on this machine.
import { Agent } from 'node:http';
import http from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseEther } from 'ethers';
import { initBackend, loadDataset } from '@cloister/client';
import { STRATEGIES } from '@cloister/protocol';
import { INFRA_ERROR_CODES, isInfraError, DatasetMissingError } from '../errors';
import { createLogger } from '../log/logger';
import { startStack, type Stack } from '../stack/startStack';
import { onShutdownSignal } from '../stack/teardown';
import { FLAMBY_FIGURES, HEART_SITES, heartSiteConfig, defaultDataRoot } from './datasets/heartDisease';
import { loadMnistFederation } from './datasets/mnist';
import { runFederation } from './federation';
import { writeReport, type DemoReport, type RoundRecord } from './report';
import { buildHeartTask, buildMnistTask, HEART_DEFAULTS, MNIST_DEFAULTS } from './spec';
import type { ParticipantSite } from './participants';
import type { SiteTest } from './evaluate';

export type DemoOptions = {
  dataset: 'heart-disease' | 'mnist';
  rounds?: number;
  strategy: string;
  reportDir: string;
  clients: number;
  alpha: number;
  seed: number;
  logLevel: string;
  json: boolean;
  /** public (default): models stored in the clear; consortium: sealed, readable by admitted sites and governance only. */
  modelAccess?: 'public' | 'consortium';
};

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  // Participants train in this process and block its event loop for seconds; a kept-alive JSON-RPC connection that
  // the chain closed meanwhile then fails with ECONNRESET ("socket hang up"). One connection per request avoids it.
  http.globalAgent = new Agent({ keepAlive: false });
  const log = createLogger({ level: options.logLevel as 'info', json: options.json });
  const demoLog = log.child({ name: 'demo' });
  const startedAt = new Date();
  const t0 = performance.now();
  const backend = await initBackend({ prefer: 'auto' });
  demoLog.info({ backend: backend.name, simd: backend.simd, reason: backend.fallbackReason }, 'start: tfjs backend');

  const heart = options.dataset === 'heart-disease';
  const dataRoot = defaultDataRoot();
  let sites: ParticipantSite[];
  let evaluation: SiteTest[];
  const modelAccess = options.modelAccess ?? 'public';
  const task = heart ? buildHeartTask({ strategy: options.strategy, modelAccess }) : buildMnistTask({ strategy: options.strategy, modelAccess });
  try {
    if (heart) {
      sites = HEART_SITES.map((site, i) => {
        const dataset = heartSiteConfig(site, i, dataRoot);
        return { name: site.name, dataset, local: loadDataset(dataset, { task: task.spec.data }) };
      });
      evaluation = sites.map((s) => ({ name: s.name, test: s.local.test }));
    } else {
      const fed = loadMnistFederation(options.clients, options.alpha, options.seed, dataRoot);
      sites = fed.clients.map((train, i) => ({ name: `client-${i + 1}`, local: { train, test: fed.test } }));
      evaluation = [{ name: 'MNIST test', test: fed.test }];
      demoLog.info({ sizes: fed.clients.map((c) => c.count).join(' ') }, `data: MNIST split over ${options.clients} clients, Dirichlet(α=${options.alpha}), seed ${options.seed}`);
    }
  } catch (cause) {
    throw new DatasetMissingError(`cannot load the ${options.dataset} data under ${dataRoot}: ${(cause as Error).message} (set CLOISTER_DATA_DIR to the shared data folder)`, { cause });
  }
  const rounds = options.rounds ?? (heart ? HEART_DEFAULTS.rounds : MNIST_DEFAULTS.rounds);

  let stack: Stack | undefined;
  const removeSignals = onShutdownSignal(async () => {
    await stack?.stop();
  }, demoLog);
  try {
    stack = await startStack({ logger: log, participants: sites.length });
    const setupSeconds = (performance.now() - t0) / 1000;
    demoLog.info({ seconds: setupSeconds.toFixed(1) }, 'stack: everything is up');
    const rewardPerRound = parseEther('1');
    const onRound = (r: RoundRecord) => {
      const perSite = r.perSite.length > 1 ? `  ${r.perSite.map((s) => `${s.name} ${pct(s.accuracy)}`).join('  ')}  mean ${pct(r.meanPerSite)}` : '';
      demoLog.info(
        `round ${r.round}/${rounds}  participants ${r.participants.length}${r.excluded.length ? ` (excluded ${r.excluded.length})` : ''}${perSite}  pooled ${pct(r.pooled)}  aggregation ${r.aggregationSeconds?.toFixed(2) ?? '?'} s  round ${r.roundSeconds.toFixed(1)} s`,
      );
    };
    const result = await runFederation(stack, {
      logger: demoLog,
      task,
      sites,
      evaluation,
      rounds,
      rewardPerRound,
      roundDuration: heart ? 300 : 1800,
      roundTimeoutSeconds: heart ? 180 : 1200,
      onRound,
      inference: { test: evaluation[0]!.test, rows: heart ? 16 : 64 },
    });
    for (const p of result.payouts) {
      demoLog.info({ address: p.address, scores: p.scores.join(',') }, `payout: ${p.name} claimed ${(Number(BigInt(p.claimedWei)) / 1e18).toFixed(6)} ETH (escrow split ${(Number(BigInt(p.expectedWei)) / 1e18).toFixed(6)})`);
    }
    const last = result.rounds[result.rounds.length - 1]!;
    const references: { label: string; meanPerSite?: number; pooled: number }[] = heart
      ? [
          { label: 'FLamby FedAvg', ...FLAMBY_FIGURES.fedavg },
          { label: 'FLamby pooled training', ...FLAMBY_FIGURES.pooledTraining },
        ]
      : [{ label: 'aim', meanPerSite: undefined as number | undefined, pooled: 0.97 }];
    if (heart) {
      demoLog.info(`result: ours mean per site ${pct(last.meanPerSite)}  pooled ${pct(last.pooled)}`);
      for (const ref of references) demoLog.info(`result: ${ref.label.padEnd(22)} mean per site ${pct(ref.meanPerSite ?? NaN)}  pooled ${pct(ref.pooled)}`);
    } else {
      demoLog.info(`result: MNIST test accuracy ${pct(last.pooled)} after ${rounds} rounds (aim ≥ 97%)`);
    }
    const report: DemoReport = {
      dataset: options.dataset,
      startedAt: startedAt.toISOString(),
      totalSeconds: (performance.now() - t0) / 1000,
      setupSeconds,
      strategy: options.strategy,
      task: {
        taskId: result.taskId.toString(),
        numRounds: rounds,
        rewardPerRoundWei: rewardPerRound.toString(),
        escrowWei: result.escrow.toString(),
        specHash: result.specHash,
        training: task.spec.training as unknown as Record<string, unknown>,
      },
      rounds: result.rounds,
      payouts: result.payouts,
      modelAccess: result.modelAccess,
      inference: result.inference,
      references,
      final: { meanPerSite: last.meanPerSite, pooled: last.pooled },
      environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, tfBackend: result.tfBackend },
    };
    const folder = await writeReport(options.reportDir, report);
    demoLog.info({ folder }, `report: ${folder}/report.html`);
    return report;
  } finally {
    removeSignals();
    await stack?.stop();
    demoLog.info({ seconds: ((performance.now() - t0) / 1000).toFixed(1) }, 'stop: everything the demo started is stopped');
  }
}

export function demoCommand(): Command {
  return new Command('cloister-demo')
    .description('Runs a whole Cloister federation on this machine: Redis, a local chain with mocked Sapphire precompiles, the contracts, a DEVELOPMENT appd (not a TEE), the aggregator, the coordinator, governance and the participants.')
    .addOption(new Option('--dataset <name>', 'heart-disease (four hospitals) or mnist (10 clients)').choices(['heart-disease', 'mnist']).default('heart-disease'))
    .option('--rounds <n>', 'number of rounds (default: 5 for heart-disease, 10 for mnist)', positiveInt)
    .addOption(new Option('--strategy <name>', 'server aggregation strategy').choices([...STRATEGIES]).default('fedavg'))
    .option('--report-dir <dir>', 'where report.json and report.html go', resolve(__dirname, '..', '..', 'reports'))
    .option('--clients <n>', 'mnist: number of clients', positiveInt, 10)
    .option('--alpha <a>', 'mnist: Dirichlet concentration of the label split', positiveNumber, 0.5)
    .option('--seed <n>', 'mnist: seed of the label split', positiveInt, 1)
    .option('--log-level <level>', 'info, debug, warn', 'info')
    .option('--json', 'pino JSON lines instead of the human format', false)
    .addOption(new Option('--model-access <mode>', 'public (models in the clear) or consortium (sealed under a per-task key)').choices(['public', 'consortium']).default('public'));
}

/** Parses the demo's options from `argv` and runs it, exiting with its status. */
export function runFromCommandLine(argv: string[]): void {
  const command = demoCommand();
  command.parse(argv);
  const opts = command.opts<DemoOptions>();
  runDemo({ ...opts, reportDir: resolve(opts.reportDir) })
    .then(() => process.exit(0))
    .catch((error: unknown) => {
      const code = isInfraError(error) ? error.code : ((error as { code?: string }).code ?? 'error');
      process.stderr.write(`\ncloister demo failed [${code}]: ${(error as Error).message}\n`);
      if (!isInfraError(error) || error.code === INFRA_ERROR_CODES.stackStartFailed) process.stderr.write(`${(error as Error).stack ?? ''}\n`);
      process.exit(1);
    });
}

if (require.main === module) runFromCommandLine(process.argv);
