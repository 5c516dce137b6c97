import { signInMessageAt } from '@cloister/protocol';
import { getAddress, hexlify, randomBytes, Signature, type Signer } from 'ethers';
import { SiweLoginFailedError } from './errors';
import type { RewardVault } from './typechain-types';

export type SiweLoginOptions = {
  /** Token lifetime in seconds from the chain's latest block time (default 24 h). */
  validitySeconds?: number;
  /** Statement line of the EIP-4361 message. */
  statement?: string;
};

/**
 * Builds the EIP-4361 message SiweAuth parses (protocol's signInMessageAt: whole-second UTC times), with the address
 * checksummed.
 */
export function buildSiweMessage(fields: Parameters<typeof signInMessageAt>[0]): string {
  return signInMessageAt({ ...fields, address: getAddress(fields.address) });
}

/**
 * Signs in to a SiweAuth contract (the RewardVault): signs an EIP-4361 message and calls `login`, which returns
 * an encrypted token for the confidential views (`pendingRewardOf`, `scoreOf`, `scoreOfParticipant`).
 * `domain` defaults to the contract's own `domain()`.
 */
export async function siweLogin(
  signer: Signer,
  contract: Pick<RewardVault, 'login' | 'domain'>,
  domain?: string,
  options: SiweLoginOptions = {},
): Promise<string> {
  const provider = signer.provider;
  if (!provider) {
    throw new SiweLoginFailedError('siweLogin: the signer needs a provider');
  }
  const [address, network, block, contractDomain] = await Promise.all([
    signer.getAddress(),
    provider.getNetwork(),
    provider.getBlock('latest'),
    domain === undefined ? contract.domain() : Promise.resolve(domain),
  ]);
  const now = block?.timestamp ?? Math.floor(Date.now() / 1000);
  const message = buildSiweMessage({
    domain: contractDomain,
    address,
    statement: options.statement ?? 'Sign in to Cloister to read your confidential scores and rewards.',
    chainId: network.chainId,
    nonce: hexlify(randomBytes(8)).slice(2),
    issuedAt: now,
    expiresAt: now + (options.validitySeconds ?? 24 * 3600),
  });
  const sig = Signature.from(await signer.signMessage(message));
  try {
    return await contract.login(message, { r: sig.r, s: sig.s, v: sig.v });
  } catch (cause) {
    throw new SiweLoginFailedError(`siweLogin: the contract refused the sign-in of ${address} for domain ${JSON.stringify(contractDomain)}`, { details: { address, domain: contractDomain }, cause });
  }
}
