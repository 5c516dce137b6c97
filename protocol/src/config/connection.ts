// One connection file, read by every command and service: which chain (id and RPC), the deployed contracts, the
// coordinator's URL and the aggregator's ROFL app id. A contracts deployment file (contracts/deployments/<net>.json)
// is a connection file without the URLs; `cloister network up` writes a full one; for Sapphire testnet see
// docs/deployment.md.
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { errorDefiner, PROTOCOL_ERROR_CODES } from '../errors.js';
import { AddressSchema, UintStringSchema } from '../schemas/primitives.js';
import { schemaErrors } from '../schemas/validate.js';

/** The environment variable naming the connection file. */
export const CONNECTION_FILE_VARIABLE = 'CLOISTER_CONNECTION';

export const ConnectionSchema = Type.Object(
  {
    /** A name for people ("localhost", "sapphire-testnet"). */
    network: Type.Optional(Type.String({ minLength: 1 })),
    chainId: Type.Union([UintStringSchema, Type.Integer({ minimum: 1 })]),
    rpcUrl: Type.Optional(Type.String({ pattern: '^(https?|wss?)://' })),
    coordinatorUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    /** The aggregator's ROFL app id: `rofl1…` (bech32) or its 21 bytes as hex. */
    roflAppId: Type.Optional(Type.String({ pattern: '^(rofl1[02-9ac-hj-np-z]{38,}|0x[0-9a-fA-F]{42})$' })),
    /** Block of the deployment: where event scans start. */
    blockNumber: Type.Optional(Type.Integer({ minimum: 0 })),
    contracts: Type.Intersect([
      Type.Object({
        governance: AddressSchema,
        participants: AddressSchema,
        aggregatorRegistry: AddressSchema,
        taskManager: AddressSchema,
        rewardVault: AddressSchema,
      }),
      // Contracts added later (model keys, credit) join here under their own names.
      Type.Record(Type.String(), AddressSchema),
    ]),
  },
  { $id: 'Connection' },
);
export type Connection = Static<typeof ConnectionSchema>;

const define = errorDefiner('protocol');
export const ConnectionInvalidError = define('ConnectionInvalidError', {
  code: PROTOCOL_ERROR_CODES.connectionInvalid,
  description:
    'The connection file (chain, contracts, coordinator URL, aggregator app id) is missing, not JSON, or lacks a field; the message names the file and the field.',
});
export type ConnectionInvalidError = InstanceType<typeof ConnectionInvalidError>;

/** Checks a parsed connection document; `source` names it in errors. */
export function parseConnection(value: unknown, source = 'connection'): Connection {
  const errors = schemaErrors(ConnectionSchema, value);
  if (errors.length > 0) {
    throw new ConnectionInvalidError(
      `${source} is not a Cloister connection file: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      { details: { source, errors } },
    );
  }
  return value as Connection;
}

/** Reads a connection file (default: $CLOISTER_CONNECTION). */
export function loadConnection(file?: string, env: Record<string, string | undefined> = process.env): Connection {
  const path = file ?? env[CONNECTION_FILE_VARIABLE];
  if (path === undefined || path === '') {
    throw new ConnectionInvalidError(
      `no connection file: pass one or set ${CONNECTION_FILE_VARIABLE} (a local network writes one; see docs/deployment.md for testnet)`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConnectionInvalidError(`cannot read the connection file ${path}: ${(cause as Error).message}`, { cause, details: { file: path } });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConnectionInvalidError(`the connection file ${path} is not JSON: ${(cause as Error).message}`, { cause, details: { file: path } });
  }
  return parseConnection(parsed, path);
}
