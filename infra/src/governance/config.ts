// The governance CLI's configuration, through protocol's one configuration loader: flags ← CLOISTER_* variables ← the
// JSON file in CLOISTER_CONFIG ← defaults. The same variable names as every other Cloister command.
import { Type, type Static } from '@sinclair/typebox';
import { defineConfig, loadConfig, type DeepPartial } from '@cloister/protocol';
import { GovernanceInputInvalidError } from '../errors';

export const GovernanceConfigSchema = Type.Object({
  rpc: Type.String({ pattern: '^(https?|wss?)://', default: 'http://127.0.0.1:8545' }),
  /** A deployment file or the connection file that holds one. */
  deployment: Type.String({ minLength: 1, default: 'contracts/deployments/localhost.json' }),
  keystore: Type.Optional(Type.String({ minLength: 1 })),
  passwordFile: Type.Optional(Type.String({ minLength: 1 })),
  passphrase: Type.Optional(Type.String()),
  privateKey: Type.Optional(Type.String({ minLength: 1 })),
});
export type GovernanceConfig = Static<typeof GovernanceConfigSchema>;

export const GOVERNANCE_CONFIG = defineConfig({
  what: 'governance command line',
  schema: GovernanceConfigSchema,
  invalid: GovernanceInputInvalidError,
  variables: [
    { name: 'CLOISTER_RPC_URL', path: ['rpc'], description: 'chain JSON-RPC URL (--rpc)' },
    { name: 'CLOISTER_DEPLOYMENT', path: ['deployment'], description: 'deployment or connection file (--deployment)' },
    { name: 'CLOISTER_PASSPHRASE', path: ['passphrase'], secret: true, description: 'decrypts the keystore (or --password-file)' },
    { name: 'CLOISTER_PRIVATE_KEY', path: ['privateKey'], secret: true, description: "the member's key when no keystore is given" },
  ],
});

/** The governance CLI's configuration: flags win over CLOISTER_* variables, which win over the config file. */
export function loadGovernanceConfig(flags: DeepPartial<GovernanceConfig>, env: Record<string, string | undefined> = process.env): GovernanceConfig {
  return loadConfig(GOVERNANCE_CONFIG, { env, overrides: flags });
}
