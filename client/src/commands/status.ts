// `status`: where this account stands in a task (chain first; the coordinator only for reachability).
import { ROUND_STATE } from '@cloister/protocol';
import { ZeroHash } from 'ethers';
import type { CommandContext } from './context';

export interface StatusReport {
  account: string;
  chainId: string;
  taskId: string;
  admitted: boolean;
  currentRound: string;
  roundState: string;
  deadline: string | null;
  committed: string | null;
  aggregatorKeyPublished: boolean;
  coordinator: string;
}

const stateName = (s: number) => Object.entries(ROUND_STATE).find(([, v]) => v === s)?.[0] ?? String(s);

export async function statusCommand(ctx: CommandContext, taskId: bigint): Promise<StatusReport> {
  const account = ctx.wallet.address;
  const { taskManager, participants, aggregatorRegistry } = ctx.contracts;
  const [admitted, round, key] = await Promise.all([
    participants.isAdmitted(taskId, account),
    taskManager.currentRound(taskId),
    aggregatorRegistry.hpkePublicKey(),
  ]);
  let roundState = 'None';
  let deadline: string | null = null;
  let committed: string | null = null;
  if (round > 0n) {
    const r = await taskManager.getRound(taskId, round);
    roundState = stateName(Number(r.state));
    deadline = new Date(Number(r.deadline) * 1000).toISOString();
    const c = await taskManager.commitmentOf(taskId, round, account);
    committed = c === ZeroHash ? null : c;
  }
  let coordinator: string;
  try {
    await fetch(`${ctx.coordinator.baseUrl}/health`, { signal: AbortSignal.timeout(3000) });
    coordinator = `reachable at ${ctx.coordinator.baseUrl}`;
  } catch {
    coordinator = `NOT reachable at ${ctx.coordinator.baseUrl}`;
  }
  return {
    account,
    chainId: String(ctx.chainId),
    taskId: String(taskId),
    admitted,
    currentRound: String(round),
    roundState,
    deadline,
    committed,
    aggregatorKeyPublished: key !== ZeroHash,
    coordinator,
  };
}
