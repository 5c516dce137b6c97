// Shared fixtures: a full Cloister deployment on the Hardhat network with the Sapphire precompile mocks,
// deployed through the same helpers the other packages use (installSapphireMocks + deployCloister).
import hre from 'hardhat';
import type { HardhatEthersSigner } from '@nomicfoundation/hardhat-ethers/signers';
import { impersonateAccount, setBalance, time } from '@nomicfoundation/hardhat-network-helpers';
import { ethers, type BytesLike, type ContractTransactionResponse } from 'ethers';
import {
  connectCloister,
  deployCloister,
  SCORE_TOTAL,
  type CloisterContracts,
  type Deployment,
  type TaskManager,
} from '../src';
import {
  authorizeRoflOrigin,
  EXAMPLE_ROFL_APP_ID,
  EXAMPLE_ROFL_APP_ID_BYTES21,
  installSapphireMocks,
} from '../src/development';

export const APP_ID = EXAMPLE_ROFL_APP_ID_BYTES21;
export const APP_ID_BECH32 = EXAMPLE_ROFL_APP_ID;
export const VOTING_PERIOD = 3600;
export const CHALLENGE_WINDOW = 600;
export const ROUND_DURATION = 300;
export const REWARD = ethers.parseEther('1');

export type Fixture = Omit<CloisterContracts, 'participants'> & {
  deployment: Deployment;
  deployer: HardhatEthersSigner;
  operator: HardhatEthersSigner;
  members: HardhatEthersSigner[];
  aggregator: HardhatEthersSigner;
  participants: HardhatEthersSigner[];
  outsider: HardhatEthersSigner;
  registry: CloisterContracts['participants'];
};

export async function deployFixture(): Promise<Fixture> {
  const signers = await hre.ethers.getSigners();
  const [deployer, m1, m2, m3, aggregator, outsider, ...rest] = signers as HardhatEthersSigner[];
  const participants = rest.slice(0, 6);
  await installSapphireMocks(hre.ethers.provider);
  const deployment = await deployCloister({
    deployer: deployer!,
    members: [m1!.address, m2!.address, m3!.address],
    quorum: 2,
    votingPeriod: VOTING_PERIOD,
    challengeWindow: CHALLENGE_WINDOW,
    operator: deployer!.address,
    roflAppId: APP_ID_BECH32,
    siweDomain: 'cloister.test',
  });
  await authorizeRoflOrigin(hre.ethers.provider, APP_ID, aggregator!.address);
  const { participants: registry, ...contracts } = connectCloister(deployment, deployer!);
  return {
    ...contracts,
    registry,
    deployment,
    deployer: deployer!,
    operator: deployer!,
    members: [m1!, m2!, m3!],
    aggregator: aggregator!,
    participants: participants as HardhatEthersSigner[],
    outsider: outsider!,
  };
}

/** Proposes `target.call{value}(data)`, gets two yes votes (absolute majority of 3) and executes it. */
export async function passProposal(
  f: Fixture,
  target: string,
  data: BytesLike,
  value = 0n,
): Promise<bigint> {
  const [a, b] = f.members;
  const gov = f.governance;
  await (await gov.connect(a!).propose(target, value, data, 'test proposal', { value })).wait();
  const id = await gov.proposalCount();
  await (await gov.connect(a!).vote(id, true)).wait();
  await (await gov.connect(b!).vote(id, true)).wait();
  await (await gov.connect(a!).execute(id)).wait();
  return id;
}

/** A signer that acts as the governance contract itself (impersonated), to hit errors behind onlyGovernance. */
export async function governanceSigner(f: Fixture): Promise<HardhatEthersSigner> {
  const address = await f.governance.getAddress();
  await impersonateAccount(address);
  await setBalance(address, ethers.parseEther('1000'));
  return hre.ethers.getSigner(address);
}

export function taskParams(overrides: Partial<TaskManager.TaskParamsStruct> = {}): TaskManager.TaskParamsStruct {
  return {
    modelSpecHash: ethers.id('spec'),
    initialModelHash: ethers.id('model-0'),
    initialModelUri: 'blobs/model-0',
    dataSchemaHash: ethers.id('schema'),
    minParticipants: 2,
    maxParticipants: 5,
    roundDuration: ROUND_DURATION,
    numRounds: 2,
    rewardPerRound: REWARD,
    ...overrides,
  };
}

/** Creates a task through governance and admits `admitted` participants. Returns the task id. */
export async function createTaskWithParticipants(
  f: Fixture,
  admitted: HardhatEthersSigner[] = f.participants.slice(0, 4),
  overrides: Partial<TaskManager.TaskParamsStruct> = {},
): Promise<bigint> {
  const params = taskParams(overrides);
  const value = BigInt(params.rewardPerRound) * BigInt(params.numRounds);
  const tm = await f.taskManager.getAddress();
  await passProposal(f, tm, f.taskManager.interface.encodeFunctionData('createTask', [params]), value);
  const taskId = await f.taskManager.taskCount();
  await passProposal(
    f,
    await f.registry.getAddress(),
    f.registry.interface.encodeFunctionData('admitMany', [
      taskId,
      admitted.map((s) => s.address),
      admitted.map((_, i) => `site-${i}`),
      admitted.map((_, i) => `https://site-${i}.example`),
    ]),
  );
  return taskId;
}

export function updateHash(who: string, round: bigint | number, attempt = 1): string {
  return ethers.solidityPackedSha256(['address', 'uint64', 'uint32'], [who, round, attempt]);
}

/** Opens the next round and has `committers` commit; returns the round number. */
export async function openAndCommit(
  f: Fixture,
  taskId: bigint,
  committers: HardhatEthersSigner[],
): Promise<bigint> {
  await (await f.taskManager.connect(f.operator).openRound(taskId)).wait();
  const round = await f.taskManager.currentRound(taskId);
  for (const p of committers) {
    await (await f.taskManager.connect(p).commit(taskId, round, updateHash(p.address, round))).wait();
  }
  return round;
}

/** Scores that sum to SCORE_TOTAL, unevenly (to exercise rounding). */
export function splitScores(n: number): number[] {
  if (n === 0) return [];
  const base = Math.floor(SCORE_TOTAL / (n + 1));
  const scores = Array.from({ length: n }, () => base);
  scores[0] = SCORE_TOTAL - base * (n - 1);
  return scores;
}

/** Runs open → commit → close → finalize (all included) for the given committers. */
export async function finalizedRound(
  f: Fixture,
  taskId: bigint,
  committers: HardhatEthersSigner[],
  scores = splitScores(committers.length),
): Promise<bigint> {
  const round = await openAndCommit(f, taskId, committers);
  await time.increase(ROUND_DURATION);
  await (await f.taskManager.closeRound(taskId, round)).wait();
  await (
    await finalizeWith(f, taskId, round, { included: committers.map((p) => p.address), scores }, { hash: ethers.id(`model-${round}`), uri: `blobs/model-${round}` })
  ).wait();
  return round;
}

/** The aggregator's reportOutcomes for one page; its transaction promise, so tests can assert its events or revert. */
export function reportOutcomes(
  f: Fixture,
  taskId: bigint,
  round: bigint,
  included: string[],
  scores: number[],
  excluded: string[] = [],
  reasons: number[] = [],
): Promise<ContractTransactionResponse> {
  return f.taskManager.connect(f.aggregator).reportOutcomes(taskId, round, included, scores, excluded, reasons);
}

export type Outcomes = { included: string[]; scores: number[]; excluded?: string[]; reasons?: number[] };

/**
 * The aggregator's two steps in one page: reportOutcomes (awaited; it must succeed) then finalizeRound, whose
 * transaction promise is returned so tests can assert its events or revert.
 */
export async function finalizeWith(
  f: Fixture,
  taskId: bigint,
  round: bigint,
  outcomes: Outcomes,
  model: { hash: string; uri: string } = { hash: ethers.id('model-1'), uri: 'blobs/model-1' },
): Promise<ContractTransactionResponse> {
  await (await reportOutcomes(f, taskId, round, outcomes.included, outcomes.scores, outcomes.excluded, outcomes.reasons)).wait();
  return f.taskManager.connect(f.aggregator).finalizeRound(taskId, round, model.hash, model.uri, ethers.id('metrics'));
}

/** acceptRound then creditRewards in one page (anyone may send both). */
export async function acceptAndCredit(f: Fixture, taskId: bigint, round: bigint): Promise<void> {
  await (await f.taskManager.acceptRound(taskId, round)).wait();
  await (await f.taskManager.creditRewards(taskId, round, 1000)).wait();
}
