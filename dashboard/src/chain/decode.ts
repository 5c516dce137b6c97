// A proposal's calldata in plain words: which contract, which call, with what (admit X, create a task with these
// parameters, reject round N). Anything not recognised is still shown as the decoded call, never hidden.
import { decodeFunctionData, type Abi, type Hex } from 'viem';
import { abis } from 'virtual:cloister-contracts';
import { formatAmount, formatDuration, shortAddress, shortHash } from '../format';
import type { Network } from '../network';
import type { TaskParams } from './reads';

export type DecodedProposal = { contract: string; call: string; words: string; details: [string, string][] };

function targets(network: Network): [string, string, Abi | null][] {
  const c = network.contracts;
  return [
    [c.taskManager, 'TaskManager', abis.TaskManager],
    [c.participants, 'ParticipantRegistry', abis.ParticipantRegistry],
    [c.governance ?? '', 'CloisterGovernance', abis.CloisterGovernance],
    [c.rewardVault ?? '', 'RewardVault', abis.RewardVault],
    [c.aggregatorRegistry, 'AggregatorRegistry', null],
  ];
}

export function decodeProposal(network: Network, target: string, data: Hex, value: bigint): DecodedProposal {
  const found = targets(network).find(([address]) => address && address.toLowerCase() === target.toLowerCase());
  const contract = found?.[1] ?? shortAddress(target);
  const abi = found?.[2];
  if (!abi || data === '0x') {
    return { contract, call: 'call', words: value > 0n ? `Send ${formatAmount(value, network.token)} to ${contract}` : `Call ${contract} with ${data.length / 2 - 1} bytes of data`, details: [] };
  }
  let decoded: { functionName: string; args?: readonly unknown[] };
  try {
    decoded = decodeFunctionData({ abi, data });
  } catch {
    return { contract, call: 'unknown', words: `Call ${contract} with calldata this dashboard cannot decode (${shortHash(data)})`, details: [] };
  }
  const args = decoded.args ?? [];
  const fn = decoded.functionName;
  const words = describe(network, fn, args, value);
  return { contract, call: fn, words: words.words, details: words.details };
}

function describe(network: Network, fn: string, args: readonly unknown[], value: bigint): { words: string; details: [string, string][] } {
  const amount = (wei: bigint) => formatAmount(wei, network.token);
  const task = (id: unknown) => `task #${String(id)}`;
  switch (fn) {
    case 'createTask': {
      const p = args[0] as TaskParams;
      return {
        words: `Create a task of ${p.numRounds} round${p.numRounds === 1 ? '' : 's'} with ${p.minParticipants === p.maxParticipants ? p.minParticipants : `${p.minParticipants}–${p.maxParticipants}`} participants, rounds of ${formatDuration(Number(p.roundDuration))}, ${amount(p.rewardPerRound)} reward per round (escrow ${amount(value)})`,
        details: [
          ['model spec', shortHash(p.modelSpecHash)],
          ['initial model', shortHash(p.initialModelHash)],
          ['data schema', shortHash(p.dataSchemaHash)],
        ],
      };
    }
    case 'admit':
      return { words: `Admit ${String(args[2]) || shortAddress(String(args[1]))} (${shortAddress(String(args[1]))}) to ${task(args[0])}`, details: [] };
    case 'admitMany': {
      const accounts = args[1] as string[];
      const names = args[2] as string[];
      return {
        words: `Admit ${accounts.length} participant${accounts.length === 1 ? '' : 's'} to ${task(args[0])}: ${names.map((n, i) => n || shortAddress(accounts[i]!)).join(', ')}`,
        details: accounts.map((a, i) => [names[i] || 'participant', a]),
      };
    }
    case 'remove':
      return { words: `Remove ${shortAddress(String(args[1]))} from ${task(args[0])}`, details: [] };
    case 'rejectRound':
      return { words: `Reject round ${String(args[1])} of ${task(args[0])}`, details: [] };
    case 'cancelTask':
      return { words: `Cancel ${task(args[0])} and release its escrow`, details: [] };
    case 'setOperator':
      return { words: `Make ${shortAddress(String(args[0]))} the round operator`, details: [['operator', String(args[0])]] };
    case 'setChallengeWindow':
      return { words: `Set the challenge window to ${formatDuration(Number(args[0]))}`, details: [] };
    case 'addMember':
      return { words: `Add ${shortAddress(String(args[0]))} as a governance member`, details: [['member', String(args[0])]] };
    case 'removeMember':
      return { words: `Remove governance member ${shortAddress(String(args[0]))}`, details: [['member', String(args[0])]] };
    case 'setQuorum':
      return { words: `Set the quorum to ${String(args[0])} votes`, details: [] };
    case 'setVotingPeriod':
      return { words: `Set the voting period to ${formatDuration(Number(args[0]))}`, details: [] };
    default:
      return { words: `${fn}(${args.map((a) => (typeof a === 'bigint' ? a.toString() : JSON.stringify(a))).join(', ')})`, details: [] };
  }
}
