// Governance proposals of the simulation: one member proposes, votes yes (quorum 1 of 1 passes at once) and executes.
import type { CloisterContracts } from '@cloister/contracts';
import type { Signer } from 'ethers';
import { GovernanceFailedError } from '../errors';

export type ProposalCall = { target: string; value: bigint; data: string; description: string };

/** Proposes `call` with `member`, votes yes, executes; returns the proposal id. */
export async function proposeAndExecute(contracts: Pick<CloisterContracts, 'governance'>, member: Signer, call: ProposalCall): Promise<bigint> {
  const governance = contracts.governance.connect(member);
  try {
    await (await governance.propose(call.target, call.value, call.data, call.description, { value: call.value })).wait();
    const id = await governance.proposalCount();
    await (await governance.vote(id, true)).wait();
    await (await governance.execute(id)).wait();
    return id;
  } catch (cause) {
    throw new GovernanceFailedError(`governance proposal "${call.description}" did not execute: ${(cause as Error).message}`, { cause });
  }
}
