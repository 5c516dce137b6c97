import { validateConfig } from '../config';
import { developmentConfig, type DevelopmentDeployment } from './developmentConfig';

const t: DevelopmentDeployment = {
  chain: { rpcUrl: 'http://127.0.0.1:8545' },
  deployment: {
    blockNumber: 7,
    contracts: {
      governance: `0x${'1'.repeat(40)}`,
      participants: `0x${'2'.repeat(40)}`,
      aggregatorRegistry: `0x${'3'.repeat(40)}`,
      taskManager: `0x${'4'.repeat(40)}`,
      rewardVault: `0x${'5'.repeat(40)}`,
      modelKeys: `0x${'6'.repeat(40)}`,
      inferenceCredit: `0x${'7'.repeat(40)}`,
    },
  },
  operator: { privateKey: `0x${'a'.repeat(64)}` },
};

it('is a valid configuration on the test deployment, Redis and store folder', () => {
  const config = validateConfig(developmentConfig(t, 'redis://127.0.0.1:6390', '/tmp/store'));
  expect(config).toMatchObject({
    host: '127.0.0.1',
    port: 0,
    redis: { url: 'redis://127.0.0.1:6390' },
    chain: { rpcUrl: t.chain.rpcUrl, startBlock: 7, confirmations: 0, pollIntervalMs: 150, operatorPrivateKey: t.operator.privateKey },
    store: { kind: 'filesystem', directory: '/tmp/store' },
  });
  expect(config.chain.contracts?.taskManager).toBe(t.deployment.contracts.taskManager);
});

it('merges overrides deeply, keeping what they do not name', () => {
  const config = developmentConfig(t, 'redis://127.0.0.1:6390', '/tmp/store', {
    logLevel: 'error',
    chain: { pollIntervalMs: 500 },
    auth: { sessionSecret: 'bench-session-secret-0123456789abcdef' },
  });
  expect(config.logLevel).toBe('error');
  expect(config.chain).toMatchObject({ pollIntervalMs: 500, confirmations: 0, rpcUrl: t.chain.rpcUrl });
  expect(config.auth).toEqual({ sessionSecret: 'bench-session-secret-0123456789abcdef' });
});
