import { merge } from '@cloister/protocol';
import type { Deployment } from '@cloister/contracts';
import type { ConfigInput } from '../config';

/** What the configuration reads from a local test deployment (contracts' `startTestDeployment()` returns one). */
export type DevelopmentDeployment = {
  chain: { rpcUrl: string };
  deployment: Pick<Deployment, 'contracts' | 'blockNumber'>;
  operator: { privateKey: string };
};

/**
 * The coordinator's configuration on a development stack: listening on 127.0.0.1 at a free port, `redisUrl`, the test
 * deployment's chain (from its deployment block, the operator opening and closing rounds, no confirmations, polled
 * every 150 ms), a filesystem store in `storeDirectory` and a development session secret. `overrides` are merged
 * over it, deeply (`{ chain: { pollIntervalMs: 500 } }` keeps the rest of `chain`).
 */
export function developmentConfig(
  t: DevelopmentDeployment,
  redisUrl: string,
  storeDirectory: string,
  overrides: ConfigInput = {},
): ConfigInput {
  const base: ConfigInput = {
    host: '127.0.0.1',
    port: 0,
    logLevel: 'warn',
    redis: { url: redisUrl },
    chain: {
      rpcUrl: t.chain.rpcUrl,
      contracts: t.deployment.contracts,
      startBlock: t.deployment.blockNumber,
      confirmations: 0,
      pollIntervalMs: 150,
      operatorPrivateKey: t.operator.privateKey,
    },
    store: { kind: 'filesystem', directory: storeDirectory },
    auth: { sessionSecret: 'development-session-secret-0123456789abcdef' },
  };
  return merge(base, overrides) as ConfigInput;
}
