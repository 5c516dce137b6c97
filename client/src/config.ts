// The participant client's configuration, through protocol's one configuration loader: flags (overrides) ← CLOISTER_*
// variables ← the JSON file in CLOISTER_CONFIG ← defaults. The same loader, variables and redacted summary as the
// coordinator's and the aggregator's.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { defineConfig, loadConfig, type DeepPartial } from '@cloister/protocol';
import { ConfigInvalidError } from './errors';

export const DEFAULT_HOME = join(homedir(), '.cloister');

const Url = (defaultValue: string, description: string) =>
  Type.String({ pattern: '^(https?|wss?)://', default: defaultValue, description });

export const ClientConfigSchema = Type.Object({
  rpcUrl: Url('http://127.0.0.1:8545', 'chain JSON-RPC URL'),
  /** A deployment file or the connection file that holds one; '' when none is given (commands that need it say so). */
  deployment: Type.String({ default: '', description: 'deployment or connection file' }),
  coordinator: Url('http://127.0.0.1:8080', 'coordinator base URL'),
  keystore: Type.String({ minLength: 1, default: join(DEFAULT_HOME, 'keystore.json'), description: 'ethers keystore JSON' }),
  stateDir: Type.String({ minLength: 1, default: join(DEFAULT_HOME, 'state'), description: 'state folder (commitments, reports)' }),
});
export type ClientConfig = Static<typeof ClientConfigSchema>;

export const CLIENT_CONFIG = defineConfig({
  what: 'client',
  schema: ClientConfigSchema,
  invalid: ConfigInvalidError,
  variables: [
    { name: 'CLOISTER_RPC_URL', path: ['rpcUrl'], description: 'chain JSON-RPC URL (--rpc-url)' },
    { name: 'CLOISTER_DEPLOYMENT', path: ['deployment'], description: 'deployment or connection file (--deployment)' },
    { name: 'CLOISTER_COORDINATOR_URL', path: ['coordinator'], description: 'coordinator base URL (--coordinator)' },
    { name: 'CLOISTER_KEYSTORE', path: ['keystore'], description: 'keystore file (--keystore)' },
    { name: 'CLOISTER_STATE_DIR', path: ['stateDir'], description: 'state folder (--state-dir)' },
  ],
});

/** The client's configuration: command-line flags win over CLOISTER_* variables, which win over the config file. */
export function loadClientConfig(flags: DeepPartial<ClientConfig>, env: Record<string, string | undefined> = process.env): ClientConfig {
  return loadConfig(CLIENT_CONFIG, { env, overrides: flags });
}
