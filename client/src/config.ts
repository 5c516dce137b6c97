// The participant client's configuration, through protocol's one configuration loader: flags (overrides) ← CLOISTER_*
// variables ← the JSON file in CLOISTER_CONFIG ← defaults. The same loader, variables and redacted summary as the
// coordinator's and the aggregator's.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { commandConfigLoader, defineConfig, fromEnv } from '@cloister/protocol';
import { ConfigInvalidError } from './errors';

export const DEFAULT_HOME = join(homedir(), '.cloister');

const Url = (defaultValue: string) => Type.String({ pattern: '^(https?|wss?)://', default: defaultValue });

export const ClientConfigSchema = Type.Object({
  rpcUrl: fromEnv('CLOISTER_RPC_URL', Url('http://127.0.0.1:8545'), 'chain JSON-RPC URL (--rpc-url)'),
  /** A deployment file or the connection file that holds one; '' when none is given (commands that need it say so). */
  deployment: fromEnv('CLOISTER_DEPLOYMENT', Type.String({ default: '' }), 'deployment or connection file (--deployment)'),
  coordinator: fromEnv('CLOISTER_COORDINATOR_URL', Url('http://127.0.0.1:8080'), 'coordinator base URL (--coordinator)'),
  keystore: fromEnv('CLOISTER_KEYSTORE', Type.String({ minLength: 1, default: join(DEFAULT_HOME, 'keystore.json') }), 'ethers keystore file (--keystore)'),
  /** Unset: each command's own default (info for long-running ones, warn otherwise). */
  logLevel: fromEnv(
    'CLOISTER_LOG_LEVEL',
    Type.Optional(Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)))),
    'pino log level (--log-level)',
  ),
  stateDir: fromEnv('CLOISTER_STATE_DIR', Type.String({ minLength: 1, default: join(DEFAULT_HOME, 'state') }), 'state folder: commitments, reports (--state-dir)'),
});
export type ClientConfig = Static<typeof ClientConfigSchema>;

export const CLIENT_CONFIG = defineConfig({ what: 'client', schema: ClientConfigSchema, invalid: ConfigInvalidError });

/** The client's configuration: command-line flags win over CLOISTER_* variables, which win over the config file. */
export const loadClientConfig = commandConfigLoader(CLIENT_CONFIG);
