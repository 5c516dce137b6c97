// Development accounts of the local stack: deterministic keys from the well-known Hardhat mnemonic
// ("test test … junk", @cloister/contracts' developmentWallet), funded with hardhat_setBalance. Never use these keys
// anywhere else: they are public.
import { toQuantity, type Provider, type Wallet } from 'ethers';
import { developmentWallet } from '@cloister/contracts/development';

export { DEVELOPMENT_MNEMONIC, developmentWallet } from '@cloister/contracts/development';

export type StackAccounts = {
  deployer: Wallet;
  /** Governance members (quorum decided at deployment). */
  governance: Wallet[];
  /** The coordinator's operator (opens rounds). */
  operator: Wallet;
  participants: Wallet[];
};

/** Deployer = 0, governance = 1..g, operator = g+1, participants after it (Hardhat funds the first 20; more are funded with setBalance). */
export function developmentAccounts(governanceMembers: number, participants: number, provider?: Provider): StackAccounts {
  const at = (i: number) => developmentWallet(i, provider);
  return {
    deployer: at(0),
    governance: Array.from({ length: governanceMembers }, (_, i) => at(1 + i)),
    operator: at(1 + governanceMembers),
    participants: Array.from({ length: participants }, (_, i) => at(2 + governanceMembers + i)),
  };
}

/** Sets the balance of each address (development chain only). */
export async function fund(
  rpc: { send(method: string, params: unknown[]): Promise<unknown> },
  addresses: string[],
  wei: bigint,
): Promise<void> {
  for (const address of addresses) await rpc.send('hardhat_setBalance', [address, toQuantity(wei)]);
}
