// The member's or hospital's own wallet (EIP-1193, e.g. MetaMask). On Sapphire chain ids only, the provider is
// wrapped with sapphire-paratime (encrypted calls and transactions); the wrapper throws on other chains and is
// loaded on demand, so it is not part of the initial JavaScript.
import { createWalletClient, custom, type Address, type EIP1193Provider, type Hex, type WalletClient } from 'viem';
import { createSiweMessageText } from './siwe';
import { coordinatorJson, type Connection } from '../network';
import { abis } from 'virtual:cloister-contracts';

export type Wallet = { address: Address; provider: EIP1193Provider; client: WalletClient };

export class WalletError extends Error {}

export function hasInjectedWallet(): boolean {
  return typeof window.ethereum?.request === 'function';
}

export async function connectWallet(c: Connection): Promise<Wallet> {
  const injected = window.ethereum;
  if (!injected) throw new WalletError('No wallet found in this browser: install or unlock an EIP-1193 wallet (e.g. MetaMask) and reload.');
  const [address] = (await injected.request({ method: 'eth_requestAccounts' })) as Address[];
  if (!address) throw new WalletError('The wallet shared no account.');
  const chainId = Number(await injected.request({ method: 'eth_chainId' }));
  if (chainId !== c.network.chainId) {
    try {
      await injected.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: `0x${c.network.chainId.toString(16)}` }] });
    } catch {
      throw new WalletError(`The wallet is on chain ${chainId}; switch it to chain ${c.network.chainId} (${c.chain.name}).`);
    }
  }
  let provider: EIP1193Provider = injected;
  if (c.network.sapphire) {
    const { wrapEthereumProvider } = await import('@oasisprotocol/sapphire-paratime');
    provider = wrapEthereumProvider(injected as never) as unknown as EIP1193Provider;
  }
  const client = createWalletClient({ account: address, chain: c.chain, transport: custom(provider) });
  return { address, provider, client };
}

/** Sends a contract call from the wallet and waits until it is mined; a reverted transaction throws. */
export async function sendAndWait(c: Connection, wallet: Wallet, call: { address: Address; abi: (typeof abis)[keyof typeof abis]; functionName: string; args?: readonly unknown[] }): Promise<Hex> {
  const hash = await wallet.client.writeContract({ ...call, account: wallet.address, chain: c.chain } as never);
  const receipt = await c.client.waitForTransactionReceipt({ hash, pollingInterval: 250 });
  if (receipt.status !== 'success') throw new WalletError(`transaction ${hash} reverted`);
  return hash;
}

/** Sign-in one: the coordinator's session (EIP-4361 message it issued, signed by the wallet). */
export async function coordinatorSignIn(wallet: Wallet): Promise<{ token: string; expiresAt: number }> {
  const { message } = await coordinatorJson<{ message: string }>('/v1/auth/nonce', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ address: wallet.address }),
  });
  const signature = await wallet.client.signMessage({ account: wallet.address, message });
  return coordinatorJson('/v1/auth/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message, signature }) });
}

/** Sign-in two: the RewardVault's SiweAuth token for the confidential views (own scores, pending reward). */
export async function contractSignIn(c: Connection, wallet: Wallet): Promise<Hex> {
  const vault = { address: c.network.contracts.rewardVault!, abi: abis.RewardVault };
  const [domain, block] = await Promise.all([c.client.readContract({ ...vault, functionName: 'domain' }) as Promise<string>, c.client.getBlock()]);
  const now = Number(block.timestamp);
  const message = createSiweMessageText({
    domain,
    address: wallet.address,
    statement: 'Sign in to Cloister to read your confidential scores and rewards.',
    chainId: c.network.chainId,
    nonce: Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join(''),
    issuedAt: now,
    expiresAt: now + 24 * 3600,
  });
  const signature = await wallet.client.signMessage({ account: wallet.address, message });
  const r = `0x${signature.slice(2, 66)}` as Hex;
  const s = `0x${signature.slice(66, 130)}` as Hex;
  const v = BigInt(parseInt(signature.slice(130, 132), 16));
  return (await c.client.readContract({ ...vault, functionName: 'login', args: [message, { r, s, v }] })) as Hex;
}
