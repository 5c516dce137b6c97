// What every chain-facing command needs: provider, the decrypted account (Sapphire-wrapped on Sapphire chains),
// the deployment's typed contracts and the coordinator client.
import { connectChain, connectCloister, isSapphireChain, loadDeployment, wrapForSapphire, type CloisterContracts, type Deployment } from '@cloister/contracts';
import { JsonRpcProvider, type Signer, type Wallet } from 'ethers';
import { readKeystore, readPassphrase } from '../cli/keystore';
import { loadClientConfig } from '../config';
import { ConfigInvalidError } from '../errors';
import type { Logger } from '../logger';
import { CoordinatorClient } from '../submission/coordinatorClient';

export interface GlobalOptions {
  rpcUrl?: string;
  deployment?: string;
  coordinator?: string;
  keystore?: string;
  stateDir?: string;
}

/** Options from flags, then CLOISTER_* environment variables, then the config file, then defaults (client/src/config.ts). */
export function resolveOptions(o: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Required<GlobalOptions> {
  return loadClientConfig(o, env);
}

export interface CommandContext {
  options: Required<GlobalOptions>;
  provider: JsonRpcProvider;
  chainId: bigint;
  wallet: Wallet;
  signer: Signer;
  deployment: Deployment;
  contracts: CloisterContracts;
  coordinator: CoordinatorClient;
  logger: Logger;
}

export async function createContext(o: GlobalOptions, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<CommandContext> {
  const options = resolveOptions(o, env);
  if (!options.deployment) {
    throw new ConfigInvalidError('No deployment file: pass --deployment <path> or set CLOISTER_DEPLOYMENT (contracts/deployments/<network>.json, or the connection file of the network).');
  }
  const deployment = loadDeployment(options.deployment);
  const { provider, chainId } = await connectChain(options.rpcUrl, deployment.chainId, {
    pollingInterval: 1000,
    unreachable: (error) => new ConfigInvalidError(`Cannot reach the chain at ${options.rpcUrl}: ${(error as Error).message.split('\n')[0]}. Check --rpc-url.`, { details: { rpcUrl: options.rpcUrl } }),
    wrongChain: (chainId) => new ConfigInvalidError(`The deployment is for chain ${deployment.chainId} but ${options.rpcUrl} is chain ${chainId}.`),
  });
  const wallet = (await readKeystore(options.keystore, await readPassphrase({ env }))).connect(provider);
  const signer = isSapphireChain(chainId) ? wrapForSapphire(wallet, chainId) : wallet;
  return {
    options,
    provider,
    chainId,
    wallet,
    signer,
    deployment,
    contracts: connectCloister(deployment, signer),
    coordinator: new CoordinatorClient({ baseUrl: options.coordinator, signer, logger }),
    logger,
  };
}
