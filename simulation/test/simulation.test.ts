// End to end: 20 virtual participants, 2 rounds, 2,000 synthetic parameters, on a real local stack (redis-server,
// Hardhat node with the contracts, development appd, coordinator, aggregator). Every round must be accepted on chain
// with all 20 included (read back from the chain), and the global model must be the FedAvg of the seeded updates.
// The aggregator reports the outcomes in pages of 3 (7 pages per round), as a 2000-participant round does in pages
// of 200 (bench/largeRound.bench.ts).
import { decodeTensors, sha256Hex } from '@cloister/protocol';
import pino from 'pino';
import {
  maxUpdateBytesFor,
  participantKey,
  runSimulation,
  startSimulationStack,
  syntheticModel,
  syntheticSource,
  syntheticUpdate,
  type SimulationResult,
  type SimulationStack,
} from '../src';
import { Wallet } from 'ethers';
import { until } from '@cloister/devstack';

const N = 20;
const ROUNDS = 2;
const P = 2000;
const SEED = 7;
const PAGE = 3;

jest.setTimeout(180_000);

describe('runSimulation (20 participants, 2 rounds, real stack)', () => {
  let stack: SimulationStack;
  let result: SimulationResult;

  beforeAll(async () => {
    const logger = pino({ level: 'silent' });
    stack = await startSimulationStack({ logger, participants: N, maxUpdateBytes: maxUpdateBytesFor(syntheticModel(P)), serviceLogLevel: 'silent', outcomePageSize: PAGE });
    result = await runSimulation({ participants: N, rounds: ROUNDS, concurrency: 6, seed: SEED, source: syntheticSource({ params: P, seed: SEED }), stack, logger });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('accepts every round on chain with all participants committed and included', async () => {
    const tm = stack.contracts.taskManager;
    expect(result.rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(await tm.currentRound(result.taskId)).toBe(BigInt(ROUNDS));
    const addresses = Array.from({ length: N }, (_, i) => new Wallet(participantKey(SEED, i)).address);
    for (let r = 1n; r <= BigInt(ROUNDS); r += 1n) {
      const round = await tm.getRound(result.taskId, r);
      expect(Number(round.state)).toBe(5); // Accepted
      expect(Number(round.committedCount)).toBe(N);
      expect(Number(round.includedCount)).toBe(N);
      const committed = await tm.committedParticipants(result.taskId, r);
      expect([...committed].sort()).toEqual([...addresses].sort());
    }
    const finalized = await tm.queryFilter(tm.filters.RoundFinalized(result.taskId));
    expect(finalized.map((e) => [Number(e.args.round), Number(e.args.includedCount), Number(e.args.excludedCount)])).toEqual([
      [1, N, 0],
      [2, N, 0],
    ]);
  });

  it('finalizes each round in outcome pages of 3 and credits every participant after acceptance', async () => {
    const tm = stack.contracts.taskManager;
    for (let r = 1n; r <= BigInt(ROUNDS); r += 1n) {
      const pages = await tm.queryFilter(tm.filters.OutcomesReported(result.taskId, r));
      expect(pages.map((e) => Number(e.args.includedCount) + Number(e.args.excludedCount))).toEqual([3, 3, 3, 3, 3, 3, 2]);
      expect(pages.map((e) => Number(e.args.reportedCount))).toEqual([3, 6, 9, 12, 15, 18, 20]);
    }
    // The coordinator credits rewards in pages after acceptance (the last round's may still be on its way).
    await until('the last round credited', async () => Number((await tm.getRound(result.taskId, BigInt(ROUNDS))).creditedCount) === N, 60_000);
    for (let r = 1n; r <= BigInt(ROUNDS); r += 1n) expect(Number((await tm.getRound(result.taskId, r)).creditedCount)).toBe(N);
    expect(await stack.contracts.rewardVault.reservedOf(result.taskId)).toBe(0n);
  });

  it('reports each round with its split and the peak memory of every process', () => {
    for (const r of result.rounds) {
      expect(r.included).toBe(N);
      expect(r.ciphertextBytes).toBeGreaterThan(N * P * 4);
      const sum = Object.values(r.phases).reduce((a, b) => a + b, 0);
      expect(sum).toBeLessThanOrEqual(r.wallSeconds + 0.05);
      expect(sum).toBeGreaterThan(r.wallSeconds * 0.8);
      expect(r.phases.seal).toBeGreaterThan(0);
      expect(r.phases.aggregate).toBeGreaterThan(0);
    }
    expect(result.peakRss.simulation).toBeGreaterThan(0);
    expect(result.peakRss.chain).toBeGreaterThan(0);
    expect(result.peakRss.redis).toBeGreaterThan(0);
  });

  it('produces the example-weighted mean of the seeded updates as each global model', async () => {
    let model = new Float64Array(P);
    for (let r = 1; r <= ROUNDS; r += 1) {
      const sum = new Float64Array(P);
      let weight = 0;
      for (let i = 0; i < N; i += 1) {
        const u = syntheticUpdate({ params: P, seed: SEED, participant: i, round: r });
        weight += u.numExamples;
        const d = u.deltas[0]!.data;
        for (let j = 0; j < P; j += 1) sum[j]! += u.numExamples * d[j]!;
      }
      model = model.map((v, j) => Math.fround(v + sum[j]! / weight));
      const onChain = await stack.contracts.taskManager.getRound(result.taskId, BigInt(r));
      const res = await fetch(`${stack.coordinatorUrl}/v1/blobs/${onChain.modelHash.slice(2)}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(sha256Hex(bytes)).toBe(onChain.modelHash);
      const [tensor] = decodeTensors(bytes);
      let maxError = 0;
      for (let j = 0; j < P; j += 1) maxError = Math.max(maxError, Math.abs(tensor!.data[j]! - model[j]!));
      expect(maxError).toBeLessThan(1e-6);
    }
  });
});
