// The DEVELOPMENT appd (NOT a TEE) of a simulation: a fresh random secret, its signer funded and authorized on the
// chain's ROFL mock as an instance of the simulation's development app id, so the aggregator behind it may finalize.
import { randomBytes } from 'node:crypto';
import { bytes21ToRoflAppId } from '@cloister/contracts';
import { authorizeRoflOrigin } from '@cloister/contracts/development';
import { startDevelopmentAppd, type DevelopmentAppd } from '@cloister/development-appd';
import { parseEther, toQuantity, type JsonRpcProvider } from 'ethers';
import type { Logger } from 'pino';
import type { JsonRpcBatcher } from '../chain/rpc';
import { SIMULATION_APP_ID_BYTES21 } from './deploySimulationContracts';

export async function startSimulationAppd(options: {
  provider: JsonRpcProvider;
  rpc: JsonRpcBatcher;
  rpcUrl: string;
  socketPath: string;
  logger?: Logger;
}): Promise<DevelopmentAppd> {
  const appId = bytes21ToRoflAppId(SIMULATION_APP_ID_BYTES21);
  const appd = await startDevelopmentAppd({
    socketPath: options.socketPath,
    appId,
    secret: randomBytes(32),
    rpcUrl: options.rpcUrl,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  try {
    await options.rpc.send('hardhat_setBalance', [appd.signerAddress, toQuantity(parseEther('1000000'))]);
    await authorizeRoflOrigin(options.provider, appId, appd.signerAddress);
  } catch (error) {
    await appd.close();
    throw error;
  }
  return appd;
}
