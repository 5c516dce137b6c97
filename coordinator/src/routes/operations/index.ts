import { Type, type Static } from '@sinclair/typebox';
import { ErrorResponseSchema, ROUND_STATE } from '@cloister/protocol';
import { NotReadyError } from '../../errors';
import type { App } from '../typebox';

const QueueCountsSchema = Type.Record(Type.String(), Type.Integer({ minimum: 0 }));

export const OperationsViewSchema = Type.Object({
  /** Jobs per BullMQ queue and state (waiting, active, delayed, completed, failed). */
  queues: Type.Record(Type.String(), QueueCountsSchema),
  /** Workers connected to the aggregation queue: 0 means no aggregator is consuming jobs. */
  aggregatorWorkers: Type.Integer({ minimum: 0 }),
  /** Chain time (seconds) the deadlines compare against. */
  chainTime: Type.Integer({ minimum: 0 }),
  /** The current round of every task that has one, with the uploads the coordinator holds for its latest opening. */
  rounds: Type.Array(
    Type.Object({
      taskId: Type.String(),
      round: Type.Integer({ minimum: 0 }),
      state: Type.Integer({ minimum: 0 }),
      deadline: Type.Integer({ minimum: 0 }),
      committed: Type.Integer({ minimum: 0 }),
      uploads: Type.Integer({ minimum: 0 }),
    }),
  ),
});
export type OperationsView = Static<typeof OperationsViewSchema>;

const REDIS_WAIT_MS = 3000;

/** The operator's view of this coordinator: queue depths, aggregator workers, uploads per current round. */
export default async function operationsRoutes(app: App): Promise<void> {
  app.get(
    '/v1/operations',
    {
      schema: {
        tags: ['ops'],
        querystring: Type.Object({ tasks: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }),
        response: { 200: OperationsViewSchema, 503: ErrorResponseSchema },
      },
    },
    async (request): Promise<OperationsView> => {
      // Redis down is an outage (503, the client retries), not a server bug; chain reads raise their own 503. The
      // queue connection waits for Redis to come back (BullMQ needs maxRetriesPerRequest: null), so the wait is bounded.
      const redisDown = (cause: unknown): never => {
        throw new NotReadyError(`not ready: redis unreachable (${(cause as Error).message})`, { cause });
      };
      const fromRedis = <T>(read: Promise<T>): Promise<T> =>
        Promise.race([read, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s')), REDIS_WAIT_MS).unref())]).catch(redisDown);
      const [queues, aggregatorWorkers, chainTime, count] = await Promise.all([
        fromRedis(app.queues.depths()),
        fromRedis(app.queues.aggregation.getWorkersCount()),
        app.chain.now(),
        app.chain.taskCount(),
      ]);
      const ids: bigint[] = [];
      for (let id = count; id >= 1n && ids.length < request.query.tasks; id--) ids.push(id);
      const rounds = await Promise.all(
        ids.map(async (taskId) => {
          const task = await app.chain.getTask(taskId);
          if (!task || task.currentRound === 0n) return null;
          const round = await app.chain.getRound(taskId, task.currentRound);
          if (round.state === ROUND_STATE.None) return null;
          return {
            taskId: taskId.toString(),
            round: Number(task.currentRound),
            state: round.state,
            deadline: Number(round.deadline),
            committed: round.committedCount,
            uploads: await fromRedis(app.uploads.count(taskId, task.currentRound, round.openedAt)),
          };
        }),
      );
      return { queues, aggregatorWorkers, chainTime: Number(chainTime), rounds: rounds.filter((r) => r !== null) };
    },
  );
}
