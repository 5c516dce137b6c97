import type { JsonRpcProvider } from 'ethers';
import { connectJsonRpc, type JsonRpcProviderOptions } from './jsonRpcProvider';

export type ConnectChainOptions = Omit<JsonRpcProviderOptions, 'chainId'> & {
  /** The caller's error when the node does not answer (`cause` is the provider's error). */
  unreachable: (cause: unknown) => Error;
  /** The caller's error when the node serves another chain than the expected one. */
  wrongChain: (chainId: bigint) => Error;
};

export type ConnectedChain = { provider: JsonRpcProvider; chainId: bigint };

/**
 * Connects to the JSON-RPC node at `rpcUrl` (connectJsonRpc) and checks that it serves chain `expectedChainId`, so a
 * stale connection or deployment file fails before anything is read or signed. When the node does not answer or
 * serves another chain, the provider is destroyed and the caller's error thrown.
 */
export async function connectChain(rpcUrl: string, expectedChainId: number | bigint, options: ConnectChainOptions): Promise<ConnectedChain> {
  const { unreachable, wrongChain, ...providerOptions } = options;
  const provider = connectJsonRpc(rpcUrl, providerOptions);
  let chainId: bigint;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch (cause) {
    provider.destroy();
    throw unreachable(cause);
  }
  if (chainId !== BigInt(expectedChainId)) {
    provider.destroy();
    throw wrongChain(chainId);
  }
  return { provider, chainId };
}
