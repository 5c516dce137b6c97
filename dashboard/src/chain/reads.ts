// What the dashboard reads from the contracts (public views only; confidential ones go through a SiweAuth token).
import type { Address, Hex } from 'viem';
import { abis } from 'virtual:cloister-contracts';
import type { Connection } from '../network';

export type TaskParams = {
  modelSpecHash: Hex;
  initialModelHash: Hex;
  initialModelUri: string;
  dataSchemaHash: Hex;
  minParticipants: number;
  maxParticipants: number;
  roundDuration: bigint;
  numRounds: number;
  rewardPerRound: bigint;
};

export type Task = {
  taskId: bigint;
  params: TaskParams;
  createdAt: bigint;
  currentRound: bigint;
  acceptedRounds: number;
  cancelled: boolean;
  currentModelHash: Hex;
  currentModelUri: string;
};

export type Round = {
  round: number;
  state: number;
  attempt: number;
  openedAt: bigint;
  deadline: bigint;
  committedCount: number;
  includedCount: number;
  finalizedAt: bigint;
  challengeEndsAt: bigint;
  /** Outcome pages reported so far (paged finalize) and why a failed round failed (0 otherwise). */
  reportedCount?: number;
  failureReason?: number;
  previousModelHash: Hex;
  modelHash: Hex;
  modelUri: string;
  metricsHash: Hex;
};

export type Proposal = {
  proposalId: bigint;
  proposer: Address;
  target: Address;
  value: bigint;
  data: Hex;
  description: string;
  createdAt: bigint;
  votingEndsAt: bigint;
  yesVotes: number;
  noVotes: number;
  /** 0 None, 1 Active, 2 Executed, 3 Defeated. */
  state: number;
  passed: boolean;
};

export const PROPOSAL_STATE_WORDS = ['none', 'voting', 'executed', 'defeated'] as const;

type Read = { address: Address; abi: (typeof abis)[keyof typeof abis]; functionName: string; args?: readonly unknown[] };

function read<T>(c: Connection, call: Read): Promise<T> {
  return c.client.readContract(call as never) as Promise<T>;
}

export async function readTasks(c: Connection): Promise<Task[]> {
  const tm = { address: c.network.contracts.taskManager, abi: abis.TaskManager };
  const count = await read<bigint>(c, { ...tm, functionName: 'taskCount' });
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
  const tasks = await Promise.all(ids.map((id) => read<Omit<Task, 'taskId'>>(c, { ...tm, functionName: 'getTask', args: [id] })));
  return tasks.map((t, i) => ({ ...t, taskId: ids[i]! }));
}

export async function readRounds(c: Connection, task: Task): Promise<Round[]> {
  const tm = { address: c.network.contracts.taskManager, abi: abis.TaskManager };
  const numbers = Array.from({ length: Number(task.currentRound) }, (_, i) => i + 1);
  const rounds = await Promise.all(numbers.map((r) => read<Omit<Round, 'round'>>(c, { ...tm, functionName: 'getRound', args: [task.taskId, BigInt(r)] })));
  return rounds.map((r, i) => ({ ...r, round: numbers[i]! }));
}

export function readCommitted(c: Connection, taskId: bigint, round: number): Promise<readonly Address[]> {
  return read(c, { address: c.network.contracts.taskManager, abi: abis.TaskManager, functionName: 'committedParticipants', args: [taskId, BigInt(round)] });
}

/** Admitted participants of a task with the names governance gave them. */
export async function readParticipantNames(c: Connection, taskId: bigint): Promise<Map<string, string>> {
  const registry = { address: c.network.contracts.participants, abi: abis.ParticipantRegistry };
  const accounts = await read<readonly Address[]>(c, { ...registry, functionName: 'participantsOf', args: [taskId] });
  const infos = await Promise.all(accounts.map((a) => read<{ name: string }>(c, { ...registry, functionName: 'participantInfo', args: [taskId, a] })));
  return new Map(accounts.map((a, i) => [a.toLowerCase(), infos[i]!.name]));
}

export function isAdmitted(c: Connection, taskId: bigint, account: Address): Promise<boolean> {
  return read(c, { address: c.network.contracts.participants, abi: abis.ParticipantRegistry, functionName: 'isAdmitted', args: [taskId, account] });
}

export type Vote = { member: Address; support: boolean };
export type Governance = { members: readonly Address[]; quorum: bigint; votingPeriod: bigint; proposals: Proposal[]; votes: Map<string, Vote[]> };

export async function readGovernance(c: Connection): Promise<Governance> {
  const address = c.network.contracts.governance;
  if (!address) return { members: [], quorum: 0n, votingPeriod: 0n, proposals: [], votes: new Map() };
  const gov = { address, abi: abis.CloisterGovernance };
  const [members, quorum, votingPeriod, count] = await Promise.all([
    read<readonly Address[]>(c, { ...gov, functionName: 'members' }),
    read<bigint>(c, { ...gov, functionName: 'quorum' }),
    read<bigint>(c, { ...gov, functionName: 'votingPeriod' }),
    read<bigint>(c, { ...gov, functionName: 'proposalCount' }),
  ]);
  const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(Number(count) - i));
  const proposals = await Promise.all(
    ids.map(async (proposalId) => {
      const [p, passed] = await Promise.all([
        read<Omit<Proposal, 'proposalId' | 'passed'>>(c, { ...gov, functionName: 'getProposal', args: [proposalId] }),
        read<boolean>(c, { ...gov, functionName: 'isPassed', args: [proposalId] }),
      ]);
      return { ...p, proposalId, passed };
    }),
  );
  // Who voted how: the VoteCast events since the deployment (the contract keeps only counts and hasVoted).
  const logs = (await c.client.getContractEvents({ ...gov, eventName: 'VoteCast', fromBlock: BigInt(c.network.deploymentBlock) })) as unknown as {
    args: { proposalId: bigint; member: Address; support: boolean };
  }[];
  const votes = new Map<string, Vote[]>();
  for (const { args } of logs) {
    const key = args.proposalId.toString();
    votes.set(key, [...(votes.get(key) ?? []), { member: args.member, support: args.support }]);
  }
  return { members, quorum, votingPeriod, proposals, votes };
}

export function hasVoted(c: Connection, proposalId: bigint, account: Address): Promise<boolean> {
  return read(c, { address: c.network.contracts.governance!, abi: abis.CloisterGovernance, functionName: 'hasVoted', args: [proposalId, account] });
}
