import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isAddress } from 'ethers';
import { DeploymentInvalidError, DeploymentNotFoundError } from './errors';

/** Where a Cloister deployment lives: `contracts/deployments/<network>.json`. */
export type Deployment = {
  network: string;
  chainId: number;
  /** bytes21 hex (0x + 42 hex digits); all zeros when no app id was registered at deployment. */
  roflAppId: string;
  /** Block of the first deployment transaction (watchers start here). */
  blockNumber: number;
  contracts: {
    governance: string;
    participants: string;
    aggregatorRegistry: string;
    taskManager: string;
    rewardVault: string;
    /** ModelKeyRegistry: model keys of `consortium` tasks and sealed-model hashes. */
    modelKeys: string;
    /** InferenceCredit: prices, prepaid credit, settlement and revenue of confidential inference. */
    inferenceCredit: string;
  };
};

const CONTRACT_KEYS = [
  'governance',
  'participants',
  'aggregatorRegistry',
  'taskManager',
  'rewardVault',
  'modelKeys',
  'inferenceCredit',
] as const;

/** Checks the shape of a parsed deployment document; throws CLOISTER_ERR_CONTRACTS_DEPLOYMENT_INVALID. */
export function parseDeployment(value: unknown, source = 'deployment'): Deployment {
  const fail = (why: string) =>
    new DeploymentInvalidError(`${source} is not a Cloister deployment: ${why}`, { details: {
      source,
    } });
  if (typeof value !== 'object' || value === null) throw fail('not an object');
  const v = value as Record<string, unknown>;
  if (typeof v.network !== 'string' || v.network.length === 0) throw fail('"network" must be a non-empty string');
  if (!Number.isSafeInteger(v.chainId) || (v.chainId as number) <= 0) throw fail('"chainId" must be a positive integer');
  if (typeof v.roflAppId !== 'string' || !/^0x[0-9a-fA-F]{42}$/.test(v.roflAppId)) {
    throw fail('"roflAppId" must be a bytes21 hex string');
  }
  if (!Number.isSafeInteger(v.blockNumber) || (v.blockNumber as number) < 0) {
    throw fail('"blockNumber" must be a non-negative integer');
  }
  const c = v.contracts as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null) throw fail('"contracts" must be an object');
  for (const key of CONTRACT_KEYS) {
    if (typeof c[key] !== 'string' || !isAddress(c[key])) throw fail(`"contracts.${key}" must be an address`);
  }
  return {
    network: v.network,
    chainId: v.chainId as number,
    roflAppId: v.roflAppId.toLowerCase(),
    blockNumber: v.blockNumber as number,
    contracts: {
      governance: c.governance as string,
      participants: c.participants as string,
      aggregatorRegistry: c.aggregatorRegistry as string,
      taskManager: c.taskManager as string,
      rewardVault: c.rewardVault as string,
      modelKeys: c.modelKeys as string,
      inferenceCredit: c.inferenceCredit as string,
    },
  };
}

/**
 * Reads and validates a deployment JSON file, or the connection file that holds one (its `deployment`): a command
 * that needs only the contracts accepts the one file every command reads (src/connection.ts).
 */
export function loadDeployment(path: string): Deployment {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new DeploymentNotFoundError(`no deployment file at ${path}: deploy first (npm run deploy -w contracts -- --network <name>)`, { details: { path }, cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new DeploymentInvalidError(`${path} is not valid JSON`, { details: { path }, cause });
  }
  const isConnection = typeof parsed === 'object' && parsed !== null && 'version' in parsed && 'deployment' in parsed;
  return isConnection ? parseDeployment((parsed as { deployment: unknown }).deployment, `${path} "deployment"`) : parseDeployment(parsed, path);
}

/** Writes a deployment JSON file (creating its folder). */
export function saveDeployment(path: string, deployment: Deployment): void {
  parseDeployment(deployment, 'deployment to save');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(deployment, null, 2) + '\n');
}
