// Virtual participants: deterministic development keys (one account each), funded on the local chain. A
// participant is an address, a key and a coordinator session: nothing that grows with the model.
import { CoordinatorClient } from '@cloister/client';
import pMap from 'p-map';
import { Wallet, id as keccakText, parseEther, toQuantity, type Provider } from 'ethers';
import type { JsonRpcBatcher } from '../chain/rpc';
import { RpcFailedError } from '../errors';

export type VirtualParticipant = {
  index: number;
  wallet: Wallet;
  address: string;
  /** Next transaction nonce (kept locally: only this process sends from the account). */
  nonce: number;
  coordinator: CoordinatorClient;
};

/** The key of participant `index` under `seed` (a keccak of both: development only, never on a real chain). */
export function participantKey(seed: number, index: number): string {
  return keccakText(`cloister-simulation:participant:${seed}:${index}`);
}

/** Creates `count` participants, funds them with one batched hardhat_setBalance request, reads their nonces. */
export async function createParticipants(options: {
  count: number;
  seed: number;
  provider: Provider;
  rpc: JsonRpcBatcher;
  coordinatorUrl: string;
}): Promise<VirtualParticipant[]> {
  const participants: VirtualParticipant[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const wallet = new Wallet(participantKey(options.seed, i), options.provider);
    participants.push({
      index: i,
      wallet,
      address: wallet.address,
      nonce: 0,
      coordinator: new CoordinatorClient({ baseUrl: options.coordinatorUrl, signer: wallet, retry: { attempts: 5 } }),
    });
  }
  const balance = toQuantity(parseEther('100'));
  for (let start = 0; start < participants.length; start += 500) {
    const slice = participants.slice(start, start + 500);
    const funded = await options.rpc.batch(slice.map((p) => ({ method: 'hardhat_setBalance', params: [p.address, balance] })));
    const nonces = await options.rpc.batch(slice.map((p) => ({ method: 'eth_getTransactionCount', params: [p.address, 'pending'] })));
    slice.forEach((p, k) => {
      const f = funded[k]!;
      const n = nonces[k]!;
      if (!f.ok) throw new RpcFailedError(`hardhat_setBalance for participant ${p.index} failed: ${f.message}`);
      if (!n.ok) throw new RpcFailedError(`eth_getTransactionCount for participant ${p.index} failed: ${n.message}`);
      p.nonce = Number(BigInt(n.result as string));
    });
  }
  return participants;
}

/** Signs every participant in to the coordinator (EIP-4361 nonce + signature → session token), `concurrency` at a time. */
export async function signInAll(participants: VirtualParticipant[], concurrency: number): Promise<void> {
  await pMap(participants, (p) => p.coordinator.authToken(), { concurrency });
}
