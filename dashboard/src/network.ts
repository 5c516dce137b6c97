// The coordinator this page came from and the chain it names (GET /v1/network): the one public client reads
// through the chain's public RPC URL; the member's or hospital's wallet only signs and sends.
import { createPublicClient, defineChain, http, type Chain, type PublicClient } from 'viem';

export type Network = {
  chainId: number;
  rpcUrl: string;
  sapphire: boolean;
  token: { symbol: string; decimals: number };
  contracts: { taskManager: `0x${string}`; participants: `0x${string}`; aggregatorRegistry: `0x${string}`; governance?: `0x${string}`; rewardVault?: `0x${string}` };
  deploymentBlock: number;
};

export type Connection = { coordinator: string; network: Network; chain: Chain; client: PublicClient };

/** The coordinator's base URL: the origin serving this page, or `?coordinator=` for a dashboard served elsewhere. */
export function coordinatorUrl(): string {
  const override = new URLSearchParams(location.search).get('coordinator');
  return (override ?? location.origin).replace(/\/$/, '');
}

export class CoordinatorRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** JSON from the coordinator; a coded error body becomes CoordinatorRequestError (message and code shown). */
export async function coordinatorJson<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${coordinatorUrl()}${path}`, init);
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) throw new CoordinatorRequestError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? `${path}: HTTP ${res.status}`);
  return body as T;
}

export async function connect(): Promise<Connection> {
  const raw = await coordinatorJson<Omit<Network, 'chainId'> & { chainId: string }>('/v1/network');
  const network: Network = { ...raw, chainId: Number(raw.chainId) };
  const chain = defineChain({
    id: network.chainId,
    name: network.sapphire ? 'Oasis Sapphire' : `Chain ${network.chainId}`,
    nativeCurrency: { name: network.token.symbol, symbol: network.token.symbol, decimals: network.token.decimals },
    rpcUrls: { default: { http: [network.rpcUrl] } },
  });
  const client = createPublicClient({ chain, transport: http(network.rpcUrl, { batch: true }), pollingInterval: 500 }) as PublicClient;
  return { coordinator: coordinatorUrl(), network, chain, client };
}
