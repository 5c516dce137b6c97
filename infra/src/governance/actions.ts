// Governance actions over CloisterGovernance: every privileged call is a proposal (target, value, calldata) that
// members vote on and anyone executes. Shared by the demo and the `cloister-governance` CLI.
import { Interface, getAddress, isAddress, type ContractTransactionResponse, type Signer } from 'ethers';
import { AggregatorRegistry__factory, CloisterGovernance__factory, ParticipantRegistry__factory, TaskManager__factory, roflAppIdToBytes21, type CloisterContracts, type Deployment, type TaskParams } from '@cloister/contracts';
import { InfraError, GovernanceInputInvalidError, GovernanceTxFailedError } from '../errors';

export type { TaskParams };

/** One proposal's call: what the members vote on. */
export type ProposalCall = { target: string; value: bigint; data: string; description: string };

const taskManagerIface = new Interface(TaskManager__factory.abi);
const participantsIface = new Interface(ParticipantRegistry__factory.abi);
const registryIface = new Interface(AggregatorRegistry__factory.abi);
const governanceIface = new Interface(CloisterGovernance__factory.abi);

function invalid(message: string): InfraError {
  return new GovernanceInputInvalidError(message);
}

function checkAddress(value: string, what: string): string {
  if (!isAddress(value)) throw invalid(`${what} ${JSON.stringify(value)} is not an address (0x + 40 hex digits)`);
  return getAddress(value);
}

function checkBytes32(value: string, what: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw invalid(`${what} must be 0x + 64 hex digits (got ${JSON.stringify(value)})`);
  return value.toLowerCase();
}

/** Validates task parameters (the contract checks them again) and returns them normalized. */
export function checkTaskParams(p: TaskParams): TaskParams {
  const uint = (v: number, what: string, min = 0) => {
    if (!Number.isSafeInteger(v) || v < min) throw invalid(`${what} must be an integer ≥ ${min} (got ${v})`);
    return v;
  };
  const params: TaskParams = {
    modelSpecHash: checkBytes32(p.modelSpecHash, 'modelSpecHash'),
    initialModelHash: checkBytes32(p.initialModelHash, 'initialModelHash'),
    initialModelUri: String(p.initialModelUri),
    dataSchemaHash: checkBytes32(p.dataSchemaHash, 'dataSchemaHash'),
    minParticipants: uint(p.minParticipants, 'minParticipants', 1),
    maxParticipants: uint(p.maxParticipants, 'maxParticipants', 1),
    roundDuration: uint(p.roundDuration, 'roundDuration', 1),
    numRounds: uint(p.numRounds, 'numRounds', 1),
    rewardPerRound: BigInt(p.rewardPerRound),
  };
  if (params.maxParticipants < params.minParticipants) throw invalid('maxParticipants must be ≥ minParticipants');
  if (params.rewardPerRound < 0n) throw invalid('rewardPerRound must be ≥ 0');
  return params;
}

/** The escrow a task needs: rewardPerRound × numRounds (paid with the proposal, forwarded on execution). */
export function escrowOf(params: Pick<TaskParams, 'rewardPerRound' | 'numRounds'>): bigint {
  return BigInt(params.rewardPerRound) * BigInt(params.numRounds);
}

/** Proposal: TaskManager.createTask(params) with the escrow as value. */
export function createTaskCall(deployment: Deployment, p: TaskParams, description?: string): ProposalCall {
  const params = checkTaskParams(p);
  return {
    target: deployment.contracts.taskManager,
    value: escrowOf(params),
    data: taskManagerIface.encodeFunctionData('createTask', [params]),
    description: description ?? `Create task (spec ${params.modelSpecHash.slice(0, 10)}…, ${params.numRounds} rounds)`,
  };
}

export type Admission = { account: string; name: string; uri?: string };

/** Proposal: ParticipantRegistry.admitMany(taskId, accounts, names, uris). */
export function admitCall(deployment: Deployment, taskId: bigint, admissions: Admission[], description?: string): ProposalCall {
  if (admissions.length === 0) throw invalid('admit at least one participant');
  const accounts = admissions.map((a, i) => checkAddress(a.account, `participant ${i + 1}`));
  return {
    target: deployment.contracts.participants,
    value: 0n,
    data: participantsIface.encodeFunctionData('admitMany', [
      taskId,
      accounts,
      admissions.map((a) => a.name),
      admissions.map((a) => a.uri ?? ''),
    ]),
    description: description ?? `Admit ${admissions.map((a) => a.name).join(', ')} to task ${taskId}`,
  };
}

/** Proposal: ParticipantRegistry.remove(taskId, account). */
export function removeParticipantCall(deployment: Deployment, taskId: bigint, account: string): ProposalCall {
  return {
    target: deployment.contracts.participants,
    value: 0n,
    data: participantsIface.encodeFunctionData('remove', [taskId, checkAddress(account, 'participant')]),
    description: `Remove ${account} from task ${taskId}`,
  };
}

/** Proposal: TaskManager.rejectRound(taskId, round) (within the challenge window). */
export function rejectRoundCall(deployment: Deployment, taskId: bigint, round: bigint, reason = ''): ProposalCall {
  return {
    target: deployment.contracts.taskManager,
    value: 0n,
    data: taskManagerIface.encodeFunctionData('rejectRound', [taskId, round]),
    description: `Reject round ${round} of task ${taskId}${reason ? `: ${reason}` : ''}`,
  };
}

/** Parameters governance can change, each one proposal. */
export const PARAMETERS = ['quorum', 'voting-period', 'add-member', 'remove-member', 'challenge-window', 'operator', 'app-id', 'cancel-task'] as const;
export type ParameterName = (typeof PARAMETERS)[number];

/** Proposal: a parameter change (see PARAMETERS). */
export function parameterCall(deployment: Deployment, name: ParameterName, value: string): ProposalCall {
  const c = deployment.contracts;
  const int = (what: string) => {
    if (!/^[0-9]+$/.test(value)) throw invalid(`${what} must be a non-negative integer (got ${JSON.stringify(value)})`);
    return BigInt(value);
  };
  switch (name) {
    case 'quorum':
      return { target: c.governance, value: 0n, data: governanceIface.encodeFunctionData('setQuorum', [int('quorum')]), description: `Set quorum to ${value}` };
    case 'voting-period':
      return { target: c.governance, value: 0n, data: governanceIface.encodeFunctionData('setVotingPeriod', [int('voting period')]), description: `Set voting period to ${value} s` };
    case 'add-member':
      return { target: c.governance, value: 0n, data: governanceIface.encodeFunctionData('addMember', [checkAddress(value, 'member')]), description: `Add member ${value}` };
    case 'remove-member':
      return { target: c.governance, value: 0n, data: governanceIface.encodeFunctionData('removeMember', [checkAddress(value, 'member')]), description: `Remove member ${value}` };
    case 'challenge-window':
      return { target: c.taskManager, value: 0n, data: taskManagerIface.encodeFunctionData('setChallengeWindow', [int('challenge window')]), description: `Set challenge window to ${value} s` };
    case 'operator':
      return { target: c.taskManager, value: 0n, data: taskManagerIface.encodeFunctionData('setOperator', [checkAddress(value, 'operator')]), description: `Set operator to ${value}` };
    case 'app-id': {
      let appId: string;
      try {
        appId = roflAppIdToBytes21(value);
      } catch (cause) {
        throw invalid(`app id must be rofl1… or bytes21 hex: ${(cause as Error).message}`);
      }
      return { target: c.aggregatorRegistry, value: 0n, data: registryIface.encodeFunctionData('setAppId', [appId]), description: `Set ROFL app id to ${value}` };
    }
    case 'cancel-task':
      return { target: c.taskManager, value: 0n, data: taskManagerIface.encodeFunctionData('cancelTask', [int('task id')]), description: `Cancel task ${value}` };
    default:
      throw invalid(`unknown parameter ${JSON.stringify(name)}: one of ${PARAMETERS.join(', ')}`);
  }
}

/** Explains what a failed transaction means, naming the contract's custom error when it has one. */
export function describeTxError(error: unknown): string {
  const e = error as { revert?: { name?: string; args?: unknown[] }; data?: string; shortMessage?: string; message?: string; info?: { error?: { message?: string } } };
  if (e?.revert?.name) return `${e.revert.name}(${(e.revert.args ?? []).map(String).join(', ')})`;
  const data = typeof e?.data === 'string' ? e.data : undefined;
  if (data && data.length >= 10) {
    for (const iface of [governanceIface, taskManagerIface, participantsIface, registryIface]) {
      try {
        const parsed = iface.parseError(data);
        if (parsed) {
          if (parsed.name === 'CloisterGovernanceExecutionFailed') {
            return `${parsed.name}: the proposal's call reverted with ${describeTxError({ data: parsed.args[1] as string })}`;
          }
          return `${parsed.name}(${parsed.args.map(String).join(', ')})`;
        }
      } catch {
        // not this contract's error
      }
    }
  }
  return e?.shortMessage ?? e?.info?.error?.message ?? e?.message ?? String(error);
}

async function send(what: string, call: () => Promise<ContractTransactionResponse>) {
  try {
    const tx = await call();
    const receipt = await tx.wait();
    if (!receipt || receipt.status !== 1) throw new Error('transaction reverted');
    return receipt;
  } catch (error) {
    if (error instanceof InfraError) throw error;
    throw new GovernanceTxFailedError(`${what} failed: ${describeTxError(error)}`, { cause: error });
  }
}

/** Submits a proposal (paying its value) and returns its id. */
export async function propose(contracts: Pick<CloisterContracts, 'governance'>, signer: Signer, call: ProposalCall): Promise<bigint> {
  const governance = contracts.governance.connect(signer);
  const receipt = await send('propose', () => governance.propose(call.target, call.value, call.data, call.description, { value: call.value }));
  for (const log of receipt.logs) {
    try {
      const parsed = governanceIface.parseLog(log);
      if (parsed?.name === 'ProposalCreated') return parsed.args[0] as bigint;
    } catch {
      // another contract's log
    }
  }
  throw new GovernanceTxFailedError('propose: no ProposalCreated event in the receipt');
}

/** Casts `signer`'s vote. */
export async function vote(contracts: Pick<CloisterContracts, 'governance'>, signer: Signer, proposalId: bigint, support: boolean): Promise<void> {
  await send(`vote on proposal ${proposalId}`, () => contracts.governance.connect(signer).vote(proposalId, support));
}

/** Executes a passed proposal. */
export async function execute(contracts: Pick<CloisterContracts, 'governance'>, signer: Signer, proposalId: bigint): Promise<string> {
  const receipt = await send(`execute proposal ${proposalId}`, () => contracts.governance.connect(signer).execute(proposalId));
  return receipt.hash;
}

/** Proposes with the first member, votes yes with `voters` until it passes, and executes: the demo's approval path. */
export async function proposeAndApprove(
  contracts: Pick<CloisterContracts, 'governance'>,
  members: Signer[],
  call: ProposalCall,
): Promise<{ proposalId: bigint; votes: number; txHash: string }> {
  const proposalId = await propose(contracts, members[0]!, call);
  let votes = 0;
  for (const member of members) {
    if (await contracts.governance.isPassed(proposalId)) break;
    await vote(contracts, member, proposalId, true);
    votes += 1;
  }
  const txHash = await execute(contracts, members[0]!, proposalId);
  return { proposalId, votes, txHash };
}

export const PROPOSAL_STATE_NAMES = ['None', 'Active', 'Executed', 'Defeated'] as const;

export type ProposalSummary = {
  id: bigint;
  state: string;
  passed: boolean;
  proposer: string;
  target: string;
  targetName: string;
  value: bigint;
  call: string;
  description: string;
  yes: number;
  no: number;
  votingEndsAt: Date;
};

/** Decodes a proposal's calldata against the Cloister contracts, e.g. `TaskManager.rejectRound(1, 2)`. */
export function decodeCall(deployment: Deployment, target: string, data: string): { targetName: string; call: string } {
  const byAddress: Record<string, [string, Interface]> = {
    [getAddress(deployment.contracts.governance)]: ['CloisterGovernance', governanceIface],
    [getAddress(deployment.contracts.taskManager)]: ['TaskManager', taskManagerIface],
    [getAddress(deployment.contracts.participants)]: ['ParticipantRegistry', participantsIface],
    [getAddress(deployment.contracts.aggregatorRegistry)]: ['AggregatorRegistry', registryIface],
  };
  const known = byAddress[getAddress(target)];
  if (!known) return { targetName: target, call: data.length > 74 ? `${data.slice(0, 74)}…` : data };
  try {
    const parsed = known[1].parseTransaction({ data });
    if (!parsed) return { targetName: known[0], call: data.slice(0, 10) };
    const fmt = (v: unknown): string =>
      Array.isArray(v) ? `[${v.map(fmt).join(', ')}]` : typeof v === 'string' && v.length > 24 ? `${v.slice(0, 12)}…` : String(v);
    return { targetName: known[0], call: `${known[0]}.${parsed.name}(${parsed.args.map(fmt).join(', ')})` };
  } catch {
    return { targetName: known[0], call: data.slice(0, 10) };
  }
}

/** Reads proposals (all, or from `fromId`), newest last. */
export async function listProposals(contracts: Pick<CloisterContracts, 'governance'>, deployment: Deployment, fromId = 1n): Promise<ProposalSummary[]> {
  const count = await contracts.governance.proposalCount();
  const out: ProposalSummary[] = [];
  for (let id = fromId; id <= count; id++) {
    const [p, passed] = await Promise.all([contracts.governance.getProposal(id), contracts.governance.isPassed(id)]);
    const decoded = decodeCall(deployment, p.target, p.data);
    out.push({
      id,
      state: PROPOSAL_STATE_NAMES[Number(p.state)] ?? String(p.state),
      passed,
      proposer: p.proposer,
      target: p.target,
      targetName: decoded.targetName,
      value: p.value,
      call: decoded.call,
      description: p.description,
      yes: Number(p.yesVotes),
      no: Number(p.noVotes),
      votingEndsAt: new Date(Number(p.votingEndsAt) * 1000),
    });
  }
  return out;
}
