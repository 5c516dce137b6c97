import { deriveRecipientKeyPair, type RecipientKeyPair } from '@cloister/protocol';
import { AggregatorRegistry__factory } from '@cloister/contracts';
import { Wallet, hexlify, type Provider } from 'ethers';
import type { Logger } from 'pino';
import { appIdToBytes21 } from '../appd/appId';
import type { AppdClient } from '../appd/appdClient';

export const HPKE_KEY_ID = 'cloister/hpke-x25519/v1';
export const SIGNER_KEY_ID = 'cloister/aggregator-signer/v1';

export type AggregatorKeys = {
  appId: string;
  appIdBytes21: string;
  hpke: RecipientKeyPair;
  /** Authenticates the aggregator's HTTP calls to the coordinator (published on chain as aggregatorSigner()). */
  signer: Wallet;
};

/** Asks appd for the app id and the two keys; the same app gets the same keys on every instance and restart. */
export async function loadAggregatorKeys(appd: AppdClient): Promise<AggregatorKeys> {
  const appId = await appd.appId();
  const seed = await appd.generateKey(HPKE_KEY_ID, 'raw-256');
  const hpke = await deriveRecipientKeyPair(seed);
  seed.fill(0);
  const signerKey = await appd.generateKey(SIGNER_KEY_ID, 'secp256k1');
  const signer = new Wallet(hexlify(signerKey));
  signerKey.fill(0);
  return { appId, appIdBytes21: appIdToBytes21(appId), hpke, signer };
}

/**
 * Publishes `setAggregatorKeys(hpkePublicKey, signer)` through appd sign-submit unless the registry already holds
 * these keys. Returns whether a transaction was sent.
 */
export async function publishKeysIfChanged(options: {
  appd: AppdClient;
  provider: Provider;
  registryAddress: string;
  keys: AggregatorKeys;
  log: Logger;
}): Promise<boolean> {
  const { appd, provider, registryAddress, keys, log } = options;
  const registry = AggregatorRegistry__factory.connect(registryAddress, provider);
  const hpkePublicKey = hexlify(keys.hpke.publicKey);
  const [onChainKey, onChainSigner] = await Promise.all([registry.hpkePublicKey(), registry.aggregatorSigner()]);
  if (onChainKey.toLowerCase() === hpkePublicKey.toLowerCase() && onChainSigner === keys.signer.address) {
    log.info({ hpkePublicKey, signer: keys.signer.address }, 'keys: on-chain aggregator keys are current');
    return false;
  }
  log.info({ hpkePublicKey, signer: keys.signer.address }, 'keys: publishing aggregator keys through appd');
  await appd.signSubmit({
    to: registryAddress,
    data: registry.interface.encodeFunctionData('setAggregatorKeys', [hpkePublicKey, keys.signer.address]),
    gasLimit: 300_000,
  });
  return true;
}
