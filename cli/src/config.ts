// The `cloister` command line's configuration, through protocol's one configuration loader (the coordinator's,
// aggregator's and client's too): flags ← CLOISTER_* variables ← the JSON file in CLOISTER_CONFIG ← defaults. Every
// variable a command reads is named on the setting it sets, secrets marked (never printed).
import { Type, type Static } from '@sinclair/typebox';
import { commandConfigLoader, defineConfig, fromEnv } from '@cloister/protocol';
import { CliUsageError } from './errors';

export const CliConfigSchema = Type.Object({
  /** The connection file; unset: <networkDir>/connection.json of the local development network. */
  connection: fromEnv('CLOISTER_CONNECTION', Type.Optional(Type.String({ minLength: 1 })), 'connection file (--connection)'),
  /** Key file of the caller (hex private key or ethers keystore). */
  key: fromEnv('CLOISTER_KEY', Type.Optional(Type.String({ minLength: 1 })), 'key file (--key)'),
  json: fromEnv('CLOISTER_JSON', Type.Boolean({ default: false }), 'JSON output (--json)'),
  logLevel: fromEnv(
    'CLOISTER_LOG_LEVEL',
    Type.Union([Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug')], { default: 'info' }),
    'log level (--log-level)',
  ),
  /** A participant node's state folder (`cloister node run`); unset: ~/.cloister/state/<address>. */
  stateDir: fromEnv('CLOISTER_STATE_DIR', Type.Optional(Type.String({ minLength: 1 })), "a node's state folder (--state-dir)"),
  passphrase: fromEnv('CLOISTER_PASSPHRASE', Type.Optional(Type.String({ minLength: 1 })), 'decrypts a keystore key file', { secret: true }),
  privateKey: fromEnv('CLOISTER_PRIVATE_KEY', Type.Optional(Type.String({ pattern: '^(0x)?[0-9a-fA-F]{64}$' })), 'a key without a key file', {
    secret: true,
  }),
  operatorToken: fromEnv(
    'CLOISTER_OPERATOR_TOKEN',
    Type.Optional(Type.String({ minLength: 1 })),
    "the coordinator's operator token (stores task files)",
    { secret: true },
  ),
});
export type CliConfig = Static<typeof CliConfigSchema>;

export const CLI_CONFIG = defineConfig({ what: 'cloister command line', schema: CliConfigSchema, invalid: CliUsageError });

/** The command line's configuration: flags win over CLOISTER_* variables, which win over the config file. */
export const loadCliConfig = commandConfigLoader(CLI_CONFIG);
