import type { Logger } from 'pino';
import { buildApp, type AppDeps } from './app';
import { loadConfig, summarizeConfig, validateConfig, type ConfigInput, type CoordinatorConfig } from './config';
import { resolveDeployment } from './chain/ethersChain';
import { ChainWatcher } from './chain/watcher';
import { DurableDocuments } from './store/durableDocuments';
import { redisPersistence } from './plugins/redisPersistence';
import { watchAggregationJobs } from './queues/aggregationEvents';
import { startRoundsWorker } from './queues/roundsWorker';
import type { App } from './routes/typebox';

export type RunningCoordinator = {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  app: App;
  config: CoordinatorConfig;
  watcher: ChainWatcher;
  /** Graceful stop: watcher, round worker, socket.io, HTTP (drains in-flight requests), queues, Redis. */
  close(): Promise<void>;
};

/** Runs one shutdown step; true when it finished within `ms` (else it is logged and left behind). */
async function bounded(log: Logger, what: string, step: () => Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(100, Math.round(ms)));
    timer.unref();
  });
  const done = step().then(
    () => 'ok' as const,
    (err: unknown) => {
      log.warn({ err, step: what }, 'stop: step failed, going on');
      return 'error' as const;
    },
  );
  const result = await Promise.race([done, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') log.warn({ step: what, ms: Math.round(ms) }, 'stop: step did not finish in time, going on');
  return result === 'ok';
}

/**
 * Logs a warning when the Redis in use keeps nothing across a restart. Upload records and the watcher's cursor are in
 * the store too, but queued jobs, nonces and locks are only in Redis: run it with `appendonly yes`.
 */
async function warnWhenRedisPersistsNothing(app: App, log: Logger): Promise<void> {
  try {
    const persistence = await redisPersistence(app.redis);
    if (!persistence.appendOnly && !persistence.snapshots) {
      log.warn({ redis: persistence }, 'start: the Redis in use persists nothing (appendonly no, no save points): a restart loses queued jobs and sessions in flight; run it with appendonly yes');
    } else if (!persistence.appendOnly) {
      log.warn({ redis: persistence }, 'start: the Redis in use has no append-only file (snapshots only): writes after the last snapshot are lost in a restart; run it with appendonly yes');
    }
  } catch (err) {
    log.warn({ err }, 'start: could not read the Redis persistence settings');
  }
}

function isFullConfig(input: ConfigInput | CoordinatorConfig): input is CoordinatorConfig {
  try {
    validateConfig(input);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the coordinator in this process: HTTP + socket.io server, chain watcher, round worker.
 * `input` is a full config or a partial one completed with defaults (the environment is not read).
 */
export async function startCoordinator(input: ConfigInput | CoordinatorConfig, deps: AppDeps = {}): Promise<RunningCoordinator> {
  const config = isFullConfig(input) ? validateConfig(input) : loadConfig(input as ConfigInput, { env: {} });
  const app = await buildApp(config, deps);
  app.log.info({ config: JSON.parse(JSON.stringify(summarizeConfig(config))) }, 'start: configuration');
  const address = await app.listen({ host: config.host, port: config.port });
  const log = app.log as unknown as Logger;
  await warnWhenRedisPersistsNothing(app, log);
  const worker = startRoundsWorker({ url: config.redis.url, prefix: config.redis.queuePrefix, jobs: app.roundJobs, log: log.child({ component: 'rounds-worker' }) });
  const startBlock = config.chain.startBlock ?? (config.chain.deploymentFile || config.chain.contracts ? resolveDeployment(config.chain).blockNumber : 0);
  const watcher = new ChainWatcher({
    chain: app.chain,
    redis: app.redis,
    keyPrefix: config.redis.keyPrefix,
    log: log.child({ component: 'chain-watcher' }),
    confirmations: config.chain.confirmations,
    pollIntervalMs: config.chain.pollIntervalMs,
    maxBlockRange: config.chain.maxBlockRange,
    startBlock,
    documents: new DurableDocuments(app.store),
    onEvents: (events) => app.onChainEvents(events),
    onSweep: () => app.rounds.sweep(),
    onRedisLoss: () => app.rounds.recoverAfterRedisLoss(),
    onBlock: (block) => app.metrics.lastBlock.set(block),
  });
  watcher.start();
  // Event-driven transitions: the watcher reads new blocks as soon as this process knows the chain moved (its own
  // openRound/closeRound/acceptRound mined, an aggregation job done); its poll interval is only the safety net.
  app.chain.onMined?.(() => watcher.poke());
  const aggregationEvents = watchAggregationJobs({ url: config.redis.url, prefix: config.redis.queuePrefix, onSettled: () => watcher.poke(), log: log.child({ component: 'aggregation-events' }) });
  app.log.info({ address }, 'start: listening');
  let closing: Promise<void> | null = null;
  return {
    url: address,
    app,
    config,
    watcher,
    close() {
      // In order, each step bounded (a share of shutdownTimeoutMs) so one stuck part cannot hold the others:
      // watcher (no new events), round worker (active job finishes, else forced), then fastify: socket.io (preClose),
      // HTTP drain, queues, chain provider, Redis (onClose hooks).
      closing ??= (async () => {
        const budget = config.shutdownTimeoutMs;
        if (!(await bounded(log, 'chain watcher', () => Promise.all([watcher.stop(), aggregationEvents.close()]), budget * 0.2))) {
          aggregationEvents.terminate();
        }
        if (!(await bounded(log, 'rounds worker', () => worker.close(), budget * 0.3))) {
          if (!(await bounded(log, 'rounds worker (forced)', () => worker.close(true), budget * 0.1))) worker.terminate();
        }
        if (!(await bounded(log, 'http, socket.io, queues, redis', () => app.close(), budget * 0.4))) {
          // Whatever did not close in time must not keep reconnecting (and the process alive) after stop() returned.
          app.queues.terminate();
          app.redis.disconnect();
        }
      })();
      return closing;
    },
  };
}

/** CLI entry: config from $CLOISTER_CONFIG and CLOISTER_* variables; SIGINT/SIGTERM stop gracefully. */
export async function main(): Promise<void> {
  let running: RunningCoordinator;
  try {
    const config = loadConfig();
    process.stdout.write(`cloister coordinator configuration (secrets redacted):\n${summarizeConfig(config)}\n`);
    running = await startCoordinator(config);
  } catch (error) {
    process.stderr.write(`coordinator failed to start: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const stop = (signal: string) => {
    running.app.log.info({ signal }, 'stop: draining');
    const force = setTimeout(() => process.exit(1), running.config.shutdownTimeoutMs + 2000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      (err) => {
        running.app.log.error({ err }, 'stop: failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) void main();
