// Proposing a task folder: the spec document and initial model go to the coordinator's content-addressed store,
// then governance gets two proposals: admit the participants to the task id it will get, and create the task with
// its escrow. Members vote on both and execute the admission first (`cloister gov execute <admit> <task>`).
import { existsSync, readFileSync } from 'node:fs';
import { getAddress, isAddress, parseEther, Wallet } from 'ethers';
import { canonicalJson, parseTaskSpec, sha256Hex } from '@cloister/protocol';
import { admitCall, createTaskCall, escrowOf, propose, type TaskParams } from '@cloister/infra/dist/governance/actions';
import type { NetworkContext } from '../context';
import { CliKeyMissingError, CliNetworkUnreachableError, CliTaskFailedError, CliTaskInvalidError, CliUsageError } from '../errors';
import { readStatisticsResult, type StatisticsResult } from './statisticsResult';
import type { LoadedTask } from './checkTask';

export type ProposeResult = {
  taskId: string;
  kind: 'training' | 'statistics';
  specHash: string;
  initialModelHash: string;
  admitProposal: string | null;
  taskProposal: string;
  escrowWei: string;
  statistics: { taskId: string; resultHash: string } | null;
};

/**
 * PUT /v1/blobs/<sha256> (or /v1/task-specs/<sha256>, where the coordinator validates the spec first) with the operator
 * token (the local network's connection file carries it).
 */
export async function storeBlob(ctx: NetworkContext, bytes: Uint8Array, operatorToken: string | undefined, route: 'blobs' | 'task-specs' = 'blobs'): Promise<string> {
  const hash = sha256Hex(bytes);
  if (!operatorToken) {
    throw new CliKeyMissingError(`storing the task's files needs the coordinator's operator token — set CLOISTER_OPERATOR_TOKEN, or ask the operator to store blob ${hash}`);
  }
  let res: Response;
  try {
    res = await fetch(`${ctx.connection.coordinatorUrl}/v1/${route}/${hash.slice(2)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
  } catch (cause) {
    throw new CliNetworkUnreachableError(`the coordinator at ${ctx.connection.coordinatorUrl} does not answer — is the network running? (\`cloister network status\`)`, { cause });
  }
  if (!res.ok) {
    const text = await res.text();
    let reason = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { code?: string; message?: string };
      reason = `${body.message ?? ''}${body.code ? ` (${body.code})` : ''}`;
    } catch {
      // not a JSON error body
    }
    const next = res.status === 401 ? 'check the operator token' : route === 'task-specs' ? 'fix the task folder and run `cloister task check`' : 'see the coordinator log';
    throw new CliTaskFailedError(`the coordinator refused ${route === 'task-specs' ? 'the task spec' : 'blob'} ${hash}: HTTP ${res.status} ${reason} — ${next}`);
  }
  return hash;
}

/** Participants as addresses, or as key files (their addresses: handy with the local network's keys/ folder). */
export function parseParticipants(list: string | undefined): string[] {
  if (!list) return [];
  return list.split(',').map((a, i) => {
    const v = a.trim();
    if (isAddress(v)) return getAddress(v);
    if (existsSync(v)) {
      const text = readFileSync(v, 'utf8').trim();
      if (/^(0x)?[0-9a-fA-F]{64}$/.test(text)) return new Wallet(text.startsWith('0x') ? text : `0x${text}`).address;
      try {
        const address = (JSON.parse(text) as { address?: string }).address;
        if (address && isAddress(address.startsWith('0x') ? address : `0x${address}`)) return getAddress(address.startsWith('0x') ? address : `0x${address}`);
      } catch {
        // not a keystore either
      }
    }
    throw new CliUsageError(`participant ${i + 1} ${JSON.stringify(v)} is neither an address (0x + 40 hex digits) nor a key file — pass --participants 0xabc…,0xdef… or key files`);
  });
}

export async function proposeTaskFolder(
  ctx: NetworkContext,
  loaded: LoadedTask,
  options: { participants: string[]; statisticsTaskId?: bigint; description?: string; operatorToken?: string },
): Promise<ProposeResult> {
  const task = loaded.task;
  let statistics: StatisticsResult | null = null;
  if (task.kind === 'training' && !task.data.scaling) {
    if (options.statisticsTaskId === undefined) {
      throw new CliUsageError(`${loaded.dir}/task.json has no data.scaling — run a statistics task first (\`cloister stats propose ${loaded.dir}\`) and pass --statistics <its task id>`);
    }
    statistics = await readStatisticsResult(ctx, options.statisticsTaskId);
    const expected = task.data.features.join(',');
    if (statistics.document.features.join(',') !== expected) {
      throw new CliTaskInvalidError(`statistics task ${options.statisticsTaskId} covers features ${statistics.document.features.join(',')}, this task has ${expected} — use the statistics task of the same data schema`);
    }
  }
  const specBytes = new TextEncoder().encode(canonicalJson(loaded.specDocument(statistics?.resultHash)));
  // The document is validated as the aggregator and the nodes will validate it: a spec they would refuse never reaches a vote.
  try {
    parseTaskSpec(JSON.parse(new TextDecoder().decode(specBytes)), 'task spec');
  } catch (error) {
    throw new CliTaskInvalidError(`${loaded.dir}/task.json: ${(error as Error).message} — fix it and run \`cloister task check ${loaded.dir}\``, { cause: error });
  }
  const token = options.operatorToken ?? ctx.connection.development?.operatorToken;
  const specHash = await storeBlob(ctx, specBytes, token, 'task-specs');
  const initialModelHash = await storeBlob(ctx, loaded.initialModel, token);
  const dataSchemaHash = sha256Hex(new TextEncoder().encode(canonicalJson({ features: task.data.features, label: task.data.label ?? null })));
  const params: TaskParams = {
    modelSpecHash: specHash,
    initialModelHash,
    initialModelUri: `blobs/${initialModelHash.slice(2)}`,
    dataSchemaHash,
    minParticipants: task.minParticipants,
    maxParticipants: task.maxParticipants,
    roundDuration: task.roundDuration,
    numRounds: task.rounds,
    rewardPerRound: parseEther(task.rewardPerRound),
  };
  const signer = ctx.signer!;
  const member = await signer.getAddress();
  if (!(await ctx.contracts.governance.isMember(member))) {
    throw new CliTaskFailedError(`${member} is not a governance member: only members propose — use a member's --key`);
  }
  // The task id the creation will get: the next one, unless another creation is executed first (checked at execute).
  const taskId = (await ctx.contracts.taskManager.taskCount()) + 1n;
  let admitProposal: bigint | null = null;
  if (options.participants.length > 0) {
    admitProposal = await propose(
      ctx.contracts,
      signer,
      admitCall(ctx.connection.deployment, taskId, options.participants.map((account, i) => ({ account, name: `site-${i + 1}` }))),
    );
  }
  const call = createTaskCall(ctx.connection.deployment, params, options.description ?? `${task.kind === 'statistics' ? 'Statistics' : 'Training'} task ${task.name}: ${task.rounds} round(s), ${task.minParticipants}-${task.maxParticipants} participants${statistics ? `, scaling from statistics ${statistics.resultHash}` : ''}`);
  const taskProposal = await propose(ctx.contracts, signer, call);
  return {
    taskId: taskId.toString(),
    kind: task.kind,
    specHash,
    initialModelHash,
    admitProposal: admitProposal?.toString() ?? null,
    taskProposal: taskProposal.toString(),
    escrowWei: escrowOf(params).toString(),
    statistics: statistics ? { taskId: String(options.statisticsTaskId), resultHash: statistics.resultHash } : null,
  };
}
