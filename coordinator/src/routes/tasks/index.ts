import { Type } from '@sinclair/typebox';
import {
  ErrorResponseSchema,
  ROUND_STATE,
  RoundParamsSchema,
  RoundViewSchema,
  TaskListSchema,
  TaskParamsSchema,
  TaskViewSchema,
  type RoundView,
  type TaskView,
} from '@cloister/protocol';
import { RoundNotFoundError, TaskNotFoundError } from '../../errors';
import type { ChainTask } from '../../chain/types';
import type { App } from '../typebox';

export function taskView(task: ChainTask): TaskView {
  return {
    taskId: task.taskId.toString(),
    modelSpecHash: task.modelSpecHash,
    initialModelHash: task.initialModelHash,
    initialModelUri: task.initialModelUri,
    dataSchemaHash: task.dataSchemaHash,
    minParticipants: task.minParticipants,
    maxParticipants: task.maxParticipants,
    roundDuration: task.roundDuration,
    numRounds: task.numRounds,
    rewardPerRound: task.rewardPerRound.toString(),
    currentRound: Number(task.currentRound),
    specUri: `blobs/${task.modelSpecHash.slice(2).toLowerCase()}`,
  };
}

/** On-chain task and round state, as JSON. */
export default async function taskRoutes(app: App): Promise<void> {
  app.get(
    '/v1/tasks',
    { schema: { tags: ['tasks'], querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) }), response: { 200: TaskListSchema } } },
    async (request) => {
      const count = await app.chain.taskCount();
      const ids: bigint[] = [];
      for (let id = count; id >= 1n && ids.length < request.query.limit; id--) ids.push(id);
      const tasks = await Promise.all(ids.map((id) => app.chain.getTask(id)));
      return { tasks: tasks.filter((t): t is ChainTask => t !== null).map(taskView) };
    },
  );

  app.get(
    '/v1/tasks/:taskId',
    { schema: { tags: ['tasks'], params: TaskParamsSchema, response: { 200: TaskViewSchema, 404: ErrorResponseSchema } } },
    async (request) => {
      const task = await app.chain.getTask(BigInt(request.params.taskId));
      if (!task) throw new TaskNotFoundError(`task ${request.params.taskId} does not exist on chain`);
      return taskView(task);
    },
  );

  app.get(
    '/v1/tasks/:taskId/rounds/:round',
    { schema: { tags: ['tasks'], params: RoundParamsSchema, response: { 200: RoundViewSchema, 404: ErrorResponseSchema } } },
    async (request): Promise<RoundView> => {
      const taskId = BigInt(request.params.taskId);
      const round = BigInt(request.params.round);
      const task = await app.chain.getTask(taskId);
      if (!task) throw new TaskNotFoundError(`task ${taskId} does not exist on chain`);
      if (round > task.currentRound) throw new RoundNotFoundError(`task ${taskId} is at round ${task.currentRound}; round ${round} has not been opened`);
      const r = await app.chain.getRound(taskId, round);
      if (r.state === ROUND_STATE.None) throw new RoundNotFoundError(`task ${taskId} has no round ${round}`);
      return {
        taskId: taskId.toString(),
        round: Number(round),
        state: r.state,
        openedAt: Number(r.openedAt),
        deadline: Number(r.deadline),
        previousModelHash: r.previousModelHash,
        modelHash: r.modelHash,
        modelUri: r.modelUri,
        committedCount: r.committedCount,
        finalizedAt: Number(r.finalizedAt),
        metricsHash: r.metricsHash,
      };
    },
  );
}
