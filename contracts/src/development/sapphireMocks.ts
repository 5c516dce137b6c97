import { AbiCoder, getAddress, keccak256, toQuantity, zeroPadValue } from 'ethers';
import { SAPPHIRE_PRECOMPILES } from '../constants';
import { SapphireMocksOnSapphireError, SapphireMocksMissingError } from '../errors';
import { roflAppIdToBytes21 } from '../roflAppId';
import { isSapphireChain } from '../sapphire';
import { MockDecrypt__factory, MockEncrypt__factory, MockRandomBytes__factory, MockSubcall__factory } from '../typechain-types';

/** The JSON-RPC part of a provider these helpers need (ethers JsonRpcProvider, Hardhat's provider). */
export type RpcProvider = { send(method: string, params: unknown[]): Promise<unknown> };

const MOCKS = [
  { address: SAPPHIRE_PRECOMPILES.randomBytes, bytecode: MockRandomBytes__factory.bytecode },
  { address: SAPPHIRE_PRECOMPILES.encrypt, bytecode: MockEncrypt__factory.bytecode },
  { address: SAPPHIRE_PRECOMPILES.decrypt, bytecode: MockDecrypt__factory.bytecode },
  { address: SAPPHIRE_PRECOMPILES.subcall, bytecode: MockSubcall__factory.bytecode },
] as const;

async function assertDevelopmentChain(provider: RpcProvider, what: string): Promise<number> {
  const chainId = Number(BigInt((await provider.send('eth_chainId', [])) as string));
  if (isSapphireChain(chainId)) {
    throw new SapphireMocksOnSapphireError(`${what} is for a development chain only; chain ${chainId} is Sapphire, which has the real precompiles`, { details: { chainId } });
  }
  return chainId;
}

/**
 * DEVELOPMENT ONLY: places the Sapphire precompile mocks (random bytes, encrypt, decrypt, subcall) at their
 * addresses with `hardhat_setCode`. The runtime code comes from simulating each mock's creation with `eth_call`.
 * Refuses Sapphire chains.
 */
export async function installSapphireMocks(provider: RpcProvider): Promise<void> {
  await assertDevelopmentChain(provider, 'installSapphireMocks');
  for (const mock of MOCKS) {
    const runtime = (await provider.send('eth_call', [{ data: mock.bytecode }, 'latest'])) as string;
    await provider.send('hardhat_setCode', [mock.address, runtime]);
  }
}

/** Whether the precompile mocks are in place (code at the random-bytes and subcall addresses). */
export async function hasSapphireMocks(provider: RpcProvider): Promise<boolean> {
  const codes = await Promise.all(
    [SAPPHIRE_PRECOMPILES.randomBytes, SAPPHIRE_PRECOMPILES.subcall].map(
      (a) => provider.send('eth_getCode', [a, 'latest']) as Promise<string>,
    ),
  );
  return codes.every((c) => c !== '0x');
}

/** Storage slot of `_authorized[appId][origin]` in MockSubcall (the mapping is at slot 0). */
export function mockSubcallAuthorizationSlot(appIdBytes21: string, origin: string): string {
  const coder = AbiCoder.defaultAbiCoder();
  const inner = keccak256(coder.encode(['bytes21', 'uint256'], [appIdBytes21, 0]));
  return keccak256(coder.encode(['address', 'bytes32'], [getAddress(origin), inner]));
}

/**
 * DEVELOPMENT ONLY: tells the mock subcall precompile that `origin` (a transaction signer) is an authorized
 * instance of ROFL app `appId` (`rofl1…` or bytes21 hex), or no longer is (`authorized = false`).
 * Writes MockSubcall's storage with `hardhat_setStorageAt`; no transaction is needed.
 */
export async function authorizeRoflOrigin(
  provider: RpcProvider,
  appId: string,
  origin: string,
  authorized = true,
): Promise<void> {
  const chainId = await assertDevelopmentChain(provider, 'authorizeRoflOrigin');
  if (!(await hasSapphireMocks(provider))) {
    throw new SapphireMocksMissingError(`the Sapphire precompile mocks are not installed on chain ${chainId}: call installSapphireMocks(provider) first`, { details: { chainId } });
  }
  const slot = mockSubcallAuthorizationSlot(roflAppIdToBytes21(appId), origin);
  await provider.send('hardhat_setStorageAt', [
    SAPPHIRE_PRECOMPILES.subcall,
    toQuantity(slot),
    zeroPadValue(authorized ? '0x01' : '0x00', 32),
  ]);
}
