#!/usr/bin/env node
// DEVELOPMENT ONLY: `cloister-development-appd` serves appd's REST API on a unix socket without a TEE.
//   CLOISTER_APPD_SOCKET (default ./.cloister/rofl-appd.sock), CLOISTER_DEV_APPD_APP_ID (rofl1…), CLOISTER_DEV_APPD_SECRET (hex, ≥ 16 bytes),
//   CLOISTER_RPC_URL (default http://127.0.0.1:8545), CLOISTER_DEV_APPD_PRIVATE_KEY (optional, 0x…)
import pino from 'pino';
import { startDevelopmentAppd } from './developmentAppd';

async function main(): Promise<void> {
  const log = pino({ name: 'development-appd' });
  const secretHex = process.env.CLOISTER_DEV_APPD_SECRET;
  const appId = process.env.CLOISTER_DEV_APPD_APP_ID;
  if (secretHex === undefined || appId === undefined) {
    log.error('set CLOISTER_DEV_APPD_SECRET (hex, at least 16 bytes) and CLOISTER_DEV_APPD_APP_ID (rofl1…), then start again');
    process.exit(2);
  }
  const appd = await startDevelopmentAppd({
    socketPath: process.env.CLOISTER_APPD_SOCKET ?? '.cloister/rofl-appd.sock',
    appId,
    secret: Buffer.from(secretHex.replace(/^0x/, ''), 'hex'),
    rpcUrl: process.env.CLOISTER_RPC_URL ?? 'http://127.0.0.1:8545',
    privateKey: process.env.CLOISTER_DEV_APPD_PRIVATE_KEY,
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
