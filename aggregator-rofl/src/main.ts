#!/usr/bin/env node
// The ROFL container's entry point: configuration from the environment, then startAggregator until SIGINT/SIGTERM.
import pino from 'pino';
import { loadConfig, summarizeConfig } from './config';
import { startAggregator } from './jobs/startAggregator';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    pino({ name: 'aggregator' }).error({ err: error }, 'start: configuration is incomplete; set the variable named above and restart');
    process.exit(2);
  }
  const log = pino({ name: 'aggregator', level: config.logLevel });
  log.info({ config: summarizeConfig(config) }, 'start: configuration (secrets redacted)');
  const running = await startAggregator(config, { logger: log });
  const stop = (signal: string) => {
    log.info({ signal }, 'stop: closing the worker');
    void running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop: close failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

void main().catch((error: unknown) => {
  pino({ name: 'aggregator' }).fatal({ err: error }, 'start: failed');
  process.exit(1);
});
