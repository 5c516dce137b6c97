import { availableParallelism } from 'node:os';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigInvalidError } from './errors';
import { loadConfig, summarizeConfig } from './config';
import { finalizeGasLimit } from './jobs/aggregateRound';
import { pipelineDepthFor } from './updates';

const base = {
  CLOISTER_REDIS_URL: 'redis://127.0.0.1:6379',
  CLOISTER_RPC_URL: 'http://127.0.0.1:8545',
  CLOISTER_COORDINATOR_URL: 'http://127.0.0.1:3000',
  CLOISTER_TASK_MANAGER_ADDRESS: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  CLOISTER_AGGREGATOR_REGISTRY_ADDRESS: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
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
    const c = loadConfig({ ...base, CLOISTER_PIPELINE_DEPTH: '4', CLOISTER_PIPELINE_MEMORY_MB: '64', CLOISTER_OPEN_WORKER: 'false', CLOISTER_FINALIZE_GAS_BASE: '1000000', CLOISTER_FINALIZE_GAS_PER_PARTICIPANT: '30000' });
    expect(c.pipelineDepth).toBe(4);
    expect(c.pipelineMemoryBytes).toBe(64 * 1024 * 1024);
    expect(c.openInWorker).toBe(false);
    expect(finalizeGasLimit(100, c.finalizeGas)).toBe(4_000_000);
    expect(() => loadConfig({ ...base, CLOISTER_OPEN_WORKER: 'maybe' })).toThrow(/CLOISTER_OPEN_WORKER/);
    expect(() => loadConfig({ ...base, CLOISTER_PIPELINE_DEPTH: '0' })).toThrow(/CLOISTER_PIPELINE_DEPTH/);
    expect(() => loadConfig({ ...base, CLOISTER_FINALIZE_GAS_PER_PARTICIPANT: '-1' })).toThrow(ConfigInvalidError);
    // A missing required value names its variable.
    const { CLOISTER_REDIS_URL: _redis, ...withoutRedis } = base;
    expect(() => loadConfig(withoutRedis)).toThrow(/redisUrl/);
  });

  it('reads chain, contracts and coordinator from the connection file; single variables win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloister-aggregator-config-'));
    const file = join(dir, 'connection.json');
    writeFileSync(
      file,
      // The one connection file format every command reads (contracts/src/connection.ts), as `cloister network up`
      // writes it and docs/deployment.md shows it.
      JSON.stringify({
        version: 1,
        name: 'localhost',
        chainId: 31337,
        rpcUrl: 'http://127.0.0.1:8545',
        coordinatorUrl: 'http://127.0.0.1:3000',
        roflAppId: 'rofl1qqn9xndja7e2pnxhttktmecvwzz0yqwxsquqyxdf',
        deployment: {
          network: 'localhost',
          chainId: 31337,
          roflAppId: '0x0026534db2efb2a0ccd75aecbde70c7084f201c680',
          blockNumber: 0,
          contracts: {
            governance: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
            participants: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
            aggregatorRegistry: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
            taskManager: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
            rewardVault: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
            modelKeys: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
            inferenceCredit: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
          },
        },
      }),
    );
    const c = loadConfig({ CLOISTER_REDIS_URL: 'redis://:hunter2@127.0.0.1:6379', CLOISTER_CONNECTION: file, CLOISTER_COORDINATOR_URL: 'http://coordinator:8080' });
    expect(c).toMatchObject({
      rpcUrl: 'http://127.0.0.1:8545',
      taskManagerAddress: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0',
      aggregatorRegistryAddress: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
      coordinatorUrl: 'http://coordinator:8080',
    });
    expect(summarizeConfig(c)).not.toContain('hunter2');
    expect(() => loadConfig({ ...base, CLOISTER_CONNECTION: join(dir, 'missing.json') })).toThrow(/connection file/);
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
    const c = loadConfig({ ...base, CLOISTER_JOB_LOCK_MS: '8000', CLOISTER_JOB_STALLED_INTERVAL_MS: '1000', CLOISTER_OUTCOME_PAGE_SIZE: '3', CLOISTER_HEALTH_PORT: '0', CLOISTER_HEALTH_HOST: '127.0.0.1', CLOISTER_COORDINATOR_TIMEOUT_MS: '120000' });
    expect([c.lockDurationMs, c.stalledIntervalMs, c.outcomePageSize, c.healthPort, c.healthHost, c.coordinatorTimeoutMs]).toEqual([8000, 1000, 3, 0, '127.0.0.1', 120_000]);
    expect(() => loadConfig({ ...base, CLOISTER_HEALTH_PORT: '70000' })).toThrow(/CLOISTER_HEALTH_PORT/);
    expect(() => loadConfig({ ...base, CLOISTER_OUTCOME_PAGE_SIZE: '0' })).toThrow(/CLOISTER_OUTCOME_PAGE_SIZE/);
  });
});
