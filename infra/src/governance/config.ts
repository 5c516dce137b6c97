// The governance CLI's configuration, through protocol's one configuration loader: flags ← CLOISTER_* variables ← the
// JSON file in CLOISTER_CONFIG ← defaults. The same variable names as every other Cloister command.
import { Type, type Static } from '@sinclair/typebox';
import { commandConfigLoader, defineConfig, fromEnv } from '@cloister/protocol';
import { GovernanceInputInvalidError } from '../errors';

export const GovernanceConfigSchema = Type.Object({
  rpc: fromEnv('CLOISTER_RPC_URL', Type.String({ pattern: '^(https?|wss?)://', default: 'http://127.0.0.1:8545' }), 'chain JSON-RPC URL (--rpc)'),
  /** A deployment file or the connection file that holds one. */
  deployment: fromEnv(
    'CLOISTER_DEPLOYMENT',
    Type.String({ minLength: 1, default: 'contracts/deployments/localhost.json' }),
    'deployment or connection file (--deployment)',
  ),
  keystore: Type.Optional(Type.String({ minLength: 1 })),
  passwordFile: Type.Optional(Type.String({ minLength: 1 })),
  passphrase: fromEnv('CLOISTER_PASSPHRASE', Type.Optional(Type.String()), 'decrypts the keystore (or --password-file)', { secret: true }),
  privateKey: fromEnv('CLOISTER_PRIVATE_KEY', Type.Optional(Type.String({ minLength: 1 })), "the member's key when no keystore is given", {
    secret: true,
  }),
});
export type GovernanceConfig = Static<typeof GovernanceConfigSchema>;

export const GOVERNANCE_CONFIG = defineConfig({
  what: 'governance command line',
  schema: GovernanceConfigSchema,
  invalid: GovernanceInputInvalidError,
});

/** The governance CLI's configuration: flags win over CLOISTER_* variables, which win over the config file. */
export const loadGovernanceConfig = commandConfigLoader(GOVERNANCE_CONFIG);
