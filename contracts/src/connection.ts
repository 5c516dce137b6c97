// The connection file: one JSON document that tells every `cloister` command where a Cloister network is (chain RPC,
// deployed contracts, coordinator, the aggregator's ROFL app id). `cloister network up` writes one for the local
// development network; for a real deployment the operator publishes one (docs/deployment.md shows Sapphire testnet).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseDeployment, type Deployment } from './deployment';
import { ConnectionInvalidError, ConnectionNotFoundError } from './errors';

/** The environment variable naming the connection file (every command's `--connection`). */
export const CONNECTION_FILE_VARIABLE = 'CLOISTER_CONNECTION';

export type Connection = {
  version: 1;
  /** A name for people ("local-development", "sapphire-testnet"). */
  name: string;
  chainId: number;
  rpcUrl: string;
  coordinatorUrl: string;
  /** The aggregator's ROFL app id (rofl1…). */
  roflAppId: string;
  deployment: Deployment;
  /**
   * Only in a development network's file: the coordinator's operator token (stores task specs and initial models)
   * and the folder of the development keys. A real deployment's file never carries secrets.
   */
  development?: { operatorToken: string; keysDir: string; processesFile: string };
};

/** Checks the shape of a parsed connection document; throws CLOISTER_ERR_CONTRACTS_CONNECTION_INVALID naming the field. */
export function parseConnection(value: unknown, source = 'connection file'): Connection {
  const fail = (field: string, why: string) =>
    new ConnectionInvalidError(`${source}: "${field}" ${why}`, { details: { source, field } });
  if (typeof value !== 'object' || value === null) throw fail('/', 'must be a JSON object');
  const v = value as Record<string, unknown>;
  if (v.version !== 1) throw fail('version', 'must be 1');
  if (typeof v.name !== 'string' || v.name === '') throw fail('name', 'must be a non-empty string');
  if (!Number.isSafeInteger(v.chainId) || (v.chainId as number) <= 0) throw fail('chainId', 'must be a positive integer');
  for (const key of ['rpcUrl', 'coordinatorUrl'] as const) {
    if (typeof v[key] !== 'string' || !/^(https?|wss?):\/\//.test(v[key] as string)) throw fail(key, 'must be an http(s) URL');
  }
  if (typeof v.roflAppId !== 'string' || !v.roflAppId.startsWith('rofl1')) throw fail('roflAppId', 'must be a rofl1… app id');
  const deployment = parseDeployment(v.deployment, `${source} "deployment"`);
  if (deployment.chainId !== v.chainId) throw fail('deployment.chainId', `is ${deployment.chainId} but chainId is ${String(v.chainId)}`);
  const d = v.development as Record<string, unknown> | undefined;
  if (d !== undefined) {
    for (const key of ['operatorToken', 'keysDir', 'processesFile'] as const) {
      if (typeof d[key] !== 'string' || d[key] === '') throw fail(`development.${key}`, 'must be a non-empty string');
    }
  }
  return {
    version: 1,
    name: v.name,
    chainId: v.chainId as number,
    rpcUrl: v.rpcUrl as string,
    coordinatorUrl: (v.coordinatorUrl as string).replace(/\/+$/, ''),
    roflAppId: v.roflAppId,
    deployment,
    ...(d ? { development: { operatorToken: d.operatorToken as string, keysDir: d.keysDir as string, processesFile: d.processesFile as string } } : {}),
  };
}

/** Reads and validates a connection file; a missing file says how to get one. */
export function loadConnection(path: string): Connection {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConnectionNotFoundError(
      `no connection file at ${path}: start a local network with \`cloister network up\`, or pass --connection <file> (CLOISTER_CONNECTION) of a deployment`,
      { details: { path }, cause },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConnectionInvalidError(`${path} is not valid JSON: ${(cause as Error).message}`, { details: { path }, cause });
  }
  return parseConnection(parsed, path);
}

export function saveConnection(path: string, connection: Connection): void {
  parseConnection(connection, 'connection to save');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(connection, null, 2) + '\n');
}
