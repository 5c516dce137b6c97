import type { Signer } from 'ethers';
import { SAPPHIRE_CHAIN_IDS } from './constants';

/** Whether `chainId` is a Sapphire network (mainnet 23294, testnet 23295, localnet 23293). */
export function isSapphireChain(chainId: bigint | number): boolean {
  const id = Number(chainId);
  return id === SAPPHIRE_CHAIN_IDS.mainnet || id === SAPPHIRE_CHAIN_IDS.testnet || id === SAPPHIRE_CHAIN_IDS.localnet;
}

/**
 * Wraps a signer (which must have a provider) with the Sapphire calldata-encryption wrapper on Sapphire chains;
 * returns it unchanged elsewhere (the wrapper throws on non-Sapphire chains).
 */
export function wrapForSapphire<T extends Signer>(signer: T, chainId: bigint | number): T {
  if (!isSapphireChain(chainId)) return signer;
  // Loaded lazily so that services on a development chain never load the Sapphire client.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sapphire = require('@oasisprotocol/sapphire-ethers-v6') as {
    wrapEthersSigner<S extends Signer>(s: S): S;
  };
  return sapphire.wrapEthersSigner(signer);
}
