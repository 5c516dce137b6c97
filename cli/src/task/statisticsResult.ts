// A statistics task's result document: the hash the aggregator finalized on chain as the round's "model", the
// document from the coordinator's store checked against it.
import { fetchVerified } from '@cloister/client';
import { ROUND_STATE, type StatisticsDocument } from '@cloister/protocol';
import type { NetworkContext } from '../context';
import { CliNotFoundError } from '../errors';

export type { StatisticsDocument };

export type StatisticsResult = { taskId: bigint; resultHash: string; document: StatisticsDocument };

export async function readStatisticsResult(ctx: NetworkContext, taskId: bigint): Promise<StatisticsResult> {
  const count = await ctx.contracts.taskManager.taskCount();
  if (taskId < 1n || taskId > count) throw new CliNotFoundError(`there is no task ${taskId} (the chain has ${count}) — check the task id`);
  const round = await ctx.contracts.taskManager.getRound(taskId, 1n);
  const state = Number(round.state);
  if (state !== ROUND_STATE.Finalized && state !== ROUND_STATE.Accepted) {
    throw new CliNotFoundError(`statistics task ${taskId} has no result yet (round 1 is ${['None', 'Open', 'Closed', 'Failed', 'Finalized', 'Accepted', 'Rejected'][state] ?? state}) — wait until the participants' nodes have submitted and the aggregator finalized`);
  }
  const bytes = await fetchVerified(ctx.coordinator, round.modelHash, 'statistics result');
  let document: StatisticsDocument;
  try {
    document = JSON.parse(new TextDecoder().decode(bytes)) as StatisticsDocument;
  } catch (cause) {
    throw new CliNotFoundError(`task ${taskId}'s round result is not a JSON document: is it a training task? — pass the id of a statistics task`, { cause });
  }
  if (document.kind !== 'statistics') throw new CliNotFoundError(`task ${taskId} is not a statistics task — pass the id of a statistics task`);
  return { taskId, resultHash: round.modelHash, document };
}
