// The `cloister` command line's configuration, through protocol's one configuration loader (the coordinator's,
// aggregator's and client's too): flags ← CLOISTER_* variables ← the JSON file in CLOISTER_CONFIG ← defaults. Every
// variable a command reads is listed here, secrets marked (never printed).
import { Type, type Static } from '@sinclair/typebox';
import { defineConfig, loadConfig, type DeepPartial } from '@cloister/protocol';
import { CliUsageError } from './errors';

export const CliConfigSchema = Type.Object({
  /** The connection file; unset: <networkDir>/connection.json of the local development network. */
  connection: Type.Optional(Type.String({ minLength: 1 })),
  /** Key file of the caller (hex private key or ethers keystore). */
  key: Type.Optional(Type.String({ minLength: 1 })),
  json: Type.Boolean({ default: false }),
  logLevel: Type.Union([Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug')], { default: 'info' }),
  /** A participant node's state folder (`cloister node run`); unset: ~/.cloister/state/<address>. */
  stateDir: Type.Optional(Type.String({ minLength: 1 })),
  passphrase: Type.Optional(Type.String({ minLength: 1 })),
  privateKey: Type.Optional(Type.String({ pattern: '^(0x)?[0-9a-fA-F]{64}$' })),
  operatorToken: Type.Optional(Type.String({ minLength: 1 })),
});
export type CliConfig = Static<typeof CliConfigSchema>;

export const CLI_CONFIG = defineConfig({
  what: 'cloister command line',
  schema: CliConfigSchema,
  invalid: CliUsageError,
  variables: [
    { name: 'CLOISTER_CONNECTION', path: ['connection'], description: 'connection file (--connection)' },
    { name: 'CLOISTER_KEY', path: ['key'], description: 'key file (--key)' },
    { name: 'CLOISTER_JSON', path: ['json'], description: 'JSON output (--json)' },
    { name: 'CLOISTER_LOG_LEVEL', path: ['logLevel'], description: 'log level (--log-level)' },
    { name: 'CLOISTER_STATE_DIR', path: ['stateDir'], description: "a node's state folder (--state-dir)" },
    { name: 'CLOISTER_PASSPHRASE', path: ['passphrase'], secret: true, description: 'decrypts a keystore key file' },
    { name: 'CLOISTER_PRIVATE_KEY', path: ['privateKey'], secret: true, description: 'a key without a key file' },
    { name: 'CLOISTER_OPERATOR_TOKEN', path: ['operatorToken'], secret: true, description: "the coordinator's operator token (stores task files)" },
  ],
});

/** The command line's configuration: flags win over CLOISTER_* variables, which win over the config file. */
export function loadCliConfig(flags: DeepPartial<CliConfig>, env: Record<string, string | undefined> = process.env): CliConfig {
  return loadConfig(CLI_CONFIG, { env, overrides: flags });
}
