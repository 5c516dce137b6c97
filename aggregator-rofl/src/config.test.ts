import { availableParallelism } from 'node:os';
import { loadConfig } from './config';
import { finalizeGasLimit } from './jobs/aggregateRound';
import { pipelineDepthFor } from './updates';

const base = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  RPC_URL: 'http://127.0.0.1:8545',
  COORDINATOR_URL: 'http://127.0.0.1:3000',
  TASK_MANAGER_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  AGGREGATOR_REGISTRY_ADDRESS: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
};

describe('loadConfig: pipeline, worker and finalize gas', () => {
  it('defaults: depth from a 32 MiB budget, worker when there is a second core, 500k + 40k per participant', () => {
    const c = loadConfig(base);
    expect(c.pipelineDepth).toBeUndefined();
    expect(c.pipelineMemoryBytes).toBe(32 * 1024 * 1024);
    expect(pipelineDepthFor(1_000_000, c.pipelineDepth, c.pipelineMemoryBytes)).toBe(4);
    expect(pipelineDepthFor(100_000, c.pipelineDepth, c.pipelineMemoryBytes)).toBe(16);
    expect(pipelineDepthFor(10_000_000, c.pipelineDepth, c.pipelineMemoryBytes)).toBe(2);
    expect(pipelineDepthFor(10_000_000, 1)).toBe(1);
    expect(c.openInWorker).toBe(availableParallelism() > 1);
    expect(c.finalizeGas).toEqual({ base: 500_000, perParticipant: 40_000 });
    expect(finalizeGasLimit(1000, c.finalizeGas)).toBe(40_500_000);
    expect(finalizeGasLimit(10)).toBe(900_000);
  });

  it('reads the environment and rejects malformed values', () => {
    const c = loadConfig({ ...base, AGG_PIPELINE_DEPTH: '4', AGG_PIPELINE_MEMORY_MB: '64', AGG_OPEN_WORKER: 'false', FINALIZE_GAS_BASE: '1000000', FINALIZE_GAS_PER_PARTICIPANT: '30000' });
    expect(c.pipelineDepth).toBe(4);
    expect(c.pipelineMemoryBytes).toBe(64 * 1024 * 1024);
    expect(c.openInWorker).toBe(false);
    expect(finalizeGasLimit(100, c.finalizeGas)).toBe(4_000_000);
    expect(() => loadConfig({ ...base, AGG_OPEN_WORKER: 'maybe' })).toThrow(/AGG_OPEN_WORKER/);
    expect(() => loadConfig({ ...base, AGG_PIPELINE_DEPTH: '0' })).toThrow(/AGG_PIPELINE_DEPTH/);
    expect(() => loadConfig({ ...base, FINALIZE_GAS_PER_PARTICIPANT: '-1' })).toThrow(/CLOISTER_ERR_AGG_CONFIG_INVALID|FINALIZE_GAS_PER_PARTICIPANT/);
  });
});

describe('loadConfig: job lock, outcome pages and the health server', () => {
  it('defaults: a stalled job is taken over within lock + 2 × interval ≈ 9 s; pages of 200; health on 9464', () => {
    const c = loadConfig(base);
    expect(c.lockDurationMs).toBe(5000);
    expect(c.stalledIntervalMs).toBe(2000);
    expect(c.lockDurationMs + 2 * c.stalledIntervalMs).toBeLessThanOrEqual(10_000);
    expect(c.outcomePageSize).toBe(200);
    expect(c.healthPort).toBe(9464);
    expect(c.healthHost).toBe('0.0.0.0');
    expect(c.coordinatorTimeoutMs).toBeUndefined();
  });

  it('reads overrides and rejects a bad port or page size', () => {
    const c = loadConfig({ ...base, JOB_LOCK_MS: '8000', JOB_STALLED_INTERVAL_MS: '1000', OUTCOME_PAGE_SIZE: '3', HEALTH_PORT: '0', HEALTH_HOST: '127.0.0.1', COORDINATOR_TIMEOUT_MS: '120000' });
    expect([c.lockDurationMs, c.stalledIntervalMs, c.outcomePageSize, c.healthPort, c.healthHost, c.coordinatorTimeoutMs]).toEqual([8000, 1000, 3, 0, '127.0.0.1', 120_000]);
    expect(() => loadConfig({ ...base, HEALTH_PORT: '70000' })).toThrow(/HEALTH_PORT/);
    expect(() => loadConfig({ ...base, OUTCOME_PAGE_SIZE: '0' })).toThrow(/OUTCOME_PAGE_SIZE/);
  });
});
