import { Type, type Static } from '@sinclair/typebox';
import { resolveDeployment } from '../../chain/ethersChain';
import type { App } from '../typebox';

const Address = Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' });

export const NetworkViewSchema = Type.Object({
  chainId: Type.String({ pattern: '^[0-9]+$', description: 'decimal chain id' }),
  /** The RPC URL browsers read the chain through (chain.publicRpcUrl, else chain.rpcUrl). */
  rpcUrl: Type.String(),
  sapphire: Type.Boolean({ description: 'true on Sapphire chain ids (23294 mainnet, 23295 testnet, 23293 localnet): wallets wrap with sapphire-paratime' }),
  token: Type.Object({ symbol: Type.String(), decimals: Type.Integer() }),
  contracts: Type.Object({
    taskManager: Address,
    participants: Address,
    aggregatorRegistry: Address,
    governance: Type.Optional(Address),
    rewardVault: Type.Optional(Address),
  }),
  deploymentBlock: Type.Integer({ minimum: 0 }),
});
export type NetworkView = Static<typeof NetworkViewSchema>;

/** Sapphire mainnet, testnet, localnet: the only chains whose wallets are wrapped with sapphire-paratime. */
const SAPPHIRE_CHAIN_IDS = new Set([23294n, 23295n, 23293n]);

/** What a browser needs to read the chain itself: chain id, RPC URL, contract addresses, the chain's token. */
export default async function networkRoutes(app: App): Promise<void> {
  app.get('/v1/network', { schema: { tags: ['network'], response: { 200: NetworkViewSchema } } }, async (): Promise<NetworkView> => {
    const { addresses, blockNumber } = resolveDeployment(app.config.chain);
    const sapphire = SAPPHIRE_CHAIN_IDS.has(app.chain.chainId);
    return {
      chainId: app.chain.chainId.toString(),
      rpcUrl: app.config.chain.publicRpcUrl ?? app.config.chain.rpcUrl,
      sapphire,
      // Sapphire's native token is ROSE (18 decimals on the EVM side); other EVM chains here are development chains.
      token: { symbol: sapphire ? 'ROSE' : 'ETH', decimals: 18 },
      contracts: addresses,
      deploymentBlock: blockNumber,
    };
  });
}
