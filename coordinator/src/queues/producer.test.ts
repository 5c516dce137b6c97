// The aggregation enqueue survives a failure between its two writes (architecture issue: the "enqueued" marker was
// set before queue.add, so an add that failed left a marker without a job and the round waited forever).
import { spawnRedis, type SpawnedRedis } from '@cloister/devstack';
import type { AggregationJob } from '@cloister/protocol';
import { Producer } from './producer';

jest.setTimeout(30_000);

let redis: SpawnedRedis;
let producer: Producer;

beforeAll(async () => {
  redis = await spawnRedis();
  producer = new Producer({ url: redis.url, prefix: 'bull', keyPrefix: 'cloister:', aggregationAttempts: 3 });
});

afterAll(async () => {
  await producer?.close();
  await redis?.stop();
});

const job: AggregationJob = { taskId: '1', round: 1, chainId: '31337', taskManager: `0x${'11'.repeat(20)}`, updates: [] };

/** Waiting jobs of one round: each test uses its own round, so the tests hold in any order. */
async function waitingFor(round: number): Promise<number> {
  return (await producer.aggregation.getJobs(['waiting'])).filter((j) => j.data.round === round).length;
}

it('an add that failed is retried by the next call, and the job is added once', async () => {
  const add = producer.aggregation.add.bind(producer.aggregation);
  let calls = 0;
  producer.aggregation.add = (async (...args: Parameters<typeof add>) => {
    calls += 1;
    if (calls === 1) throw new Error('connection lost during add');
    return add(...args);
  }) as typeof add;
  await expect(producer.enqueueAggregation(job, 100n)).rejects.toThrow('connection lost during add');
  expect(await producer.aggregationEnqueued(1n, 1n, 100n)).toBe(false);
  expect(await producer.enqueueAggregation(job, 100n)).toBe(true);
  expect(await producer.aggregationEnqueued(1n, 1n, 100n)).toBe(true);
  expect(await producer.enqueueAggregation(job, 100n)).toBe(false);
  expect(await waitingFor(1)).toBe(1);
  producer.aggregation.add = add;
});

it('a job already added (the marker lost in a crash after the add) is not added twice', async () => {
  expect(await producer.enqueueAggregation({ ...job, round: 2 }, 100n)).toBe(true);
  await producer.connection.del('cloister:enqueued:aggregate-1-2-100');
  expect(await producer.enqueueAggregation({ ...job, round: 2 }, 100n)).toBe(true);
  expect(await waitingFor(2)).toBe(1);
});
