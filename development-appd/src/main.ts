#!/usr/bin/env node
// DEVELOPMENT ONLY: `cloister-development-appd` serves appd's REST API on a unix socket without a TEE. Configured
// through protocol's one configuration loader (CLOISTER_* variables, CLOISTER_CONFIG file): CLOISTER_APPD_SOCKET
// (default ./.cloister/rofl-appd.sock), CLOISTER_DEV_APPD_APP_ID (rofl1…), CLOISTER_DEV_APPD_SECRET (hex, ≥ 16 bytes),
// CLOISTER_RPC_URL (default http://127.0.0.1:8545), CLOISTER_DEV_APPD_PRIVATE_KEY (optional, 0x…).
import { Type } from '@sinclair/typebox';
import { defineConfig, fromEnv, loadConfig } from '@cloister/protocol';
import pino from 'pino';
import { startDevelopmentAppd } from './developmentAppd';
import { DevelopmentAppdOptionsInvalidError } from './errors';

const DEVELOPMENT_APPD_CONFIG = defineConfig({
  what: 'development appd',
  schema: Type.Object({
    socketPath: fromEnv('CLOISTER_APPD_SOCKET', Type.String({ minLength: 1, default: '.cloister/rofl-appd.sock' }), 'unix socket to serve on'),
    appId: fromEnv('CLOISTER_DEV_APPD_APP_ID', Type.String({ pattern: '^rofl1' }), 'the ROFL app id it serves (rofl1…)'),
    secret: fromEnv(
      'CLOISTER_DEV_APPD_SECRET',
      Type.String({ pattern: '^(0x)?([0-9a-fA-F]{2}){16,}$' }),
      'hex, at least 16 bytes: keys derive from it',
      { secret: true },
    ),
    rpcUrl: fromEnv(
      'CLOISTER_RPC_URL',
      Type.String({ pattern: '^(https?|wss?)://', default: 'http://127.0.0.1:8545' }),
      'chain JSON-RPC URL for sign-submit',
    ),
    privateKey: fromEnv(
      'CLOISTER_DEV_APPD_PRIVATE_KEY',
      Type.Optional(Type.String({ pattern: '^(0x)?[0-9a-fA-F]{64}$' })),
      'the key sign-submit signs with',
      { secret: true },
    ),
  }),
  invalid: DevelopmentAppdOptionsInvalidError,
});

async function main(): Promise<void> {
  const log = pino({ name: 'development-appd' });
  let config;
  try {
    config = loadConfig(DEVELOPMENT_APPD_CONFIG);
  } catch (error) {
    log.error(`${(error as Error).message}\nset CLOISTER_DEV_APPD_SECRET (hex, at least 16 bytes) and CLOISTER_DEV_APPD_APP_ID (rofl1…), then start again`);
    process.exit(2);
  }
  const appd = await startDevelopmentAppd({
    socketPath: config.socketPath,
    appId: config.appId,
    secret: Buffer.from(config.secret.replace(/^0x/, ''), 'hex'),
    rpcUrl: config.rpcUrl,
    privateKey: config.privateKey,
    logger: log,
  });
  const stop = () => {
    void appd.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
