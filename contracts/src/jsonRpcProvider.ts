import { FetchRequest, JsonRpcProvider } from 'ethers';

export type JsonRpcProviderOptions = {
  /** Chain id when it is known; with it the provider does not ask the node for the network first. */
  chainId?: number | bigint;
  /** How often `wait()` and event subscriptions poll the node, in milliseconds (ethers' default is 4000). */
  pollingInterval?: number;
  /**
   * How long one HTTP request to the node may take, in milliseconds (ethers' default is 300 000: a paused node held
   * every caller for five minutes). A request over it fails with ethers' TIMEOUT error.
   */
  requestTimeoutMs?: number;
};

/**
 * The one way Cloister connects to a JSON-RPC node.
 *
 * ethers v6 caches the answer of every identical request for 250 ms by default (`cacheTimeout`). A service that
 * reads a commitment, logs or a round state twice in a row (the coordinator checking a commitment just made, a test
 * counting logs before and after a transaction) would then see the past, and more often on a loaded machine, where
 * the timer that clears the cache fires late. Every read here goes to the node.
 */
export function connectJsonRpc(rpcUrl: string, options: JsonRpcProviderOptions = {}): JsonRpcProvider {
  const chainId = options.chainId === undefined ? undefined : Number(options.chainId);
  let endpoint: string | FetchRequest = rpcUrl;
  if (options.requestTimeoutMs !== undefined && /^https?:/.test(rpcUrl)) {
    endpoint = new FetchRequest(rpcUrl);
    endpoint.timeout = options.requestTimeoutMs;
  }
  return new JsonRpcProvider(endpoint, chainId, {
    cacheTimeout: -1,
    // The chain of an RPC URL does not change: detect it once (or take the given id) instead of before every call.
    staticNetwork: true,
    pollingInterval: options.pollingInterval ?? 250,
    // ethers waits 10 ms by default to gather requests into one JSON-RPC batch: 10 ms added to every read and every
    // step of a transaction (estimate, fees, send, receipt), about 13 ms instead of 3 ms per call against a local
    // node. Requests made in the same turn of the event loop still go out as one batch.
    batchStallTime: 0,
  });
}
