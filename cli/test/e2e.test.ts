// The whole user path through `cloister` child processes only: a local network, a task folder from the tabular
// template with heart-disease's four hospitals as four sites, a statistics task for the scaling, the training task
// that takes its scaling from it, four nodes, the results and the model, then `network down`. The same task also runs
// through the library path (infra's startStack + runFederation, same data, seeds and scaling) in this test, and the
// federated accuracy of each round must match it within half a point.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { buildModel, evaluateModel, featureStatistics, initBackend, loadDataset, setModelWeights, type CsvDatasetConfig } from '@cloister/client';
import { createLogger, HEART_SITES, heartSiteConfig, startStack, type Stack } from '@cloister/infra';
import { runFederation } from '@cloister/infra/dist/demo/federation';
import { buildTabularTask } from '@cloister/infra/dist/demo/spec';
import { decodeTensors } from '@cloister/protocol';
import { processAlive } from '@cloister/devstack';
import { Wallet } from 'ethers';

jest.setTimeout(600_000);

const run = promisify(execFile);
const CLI = resolve(__dirname, '..', 'dist', 'main.js');
const ROUNDS = 5;

describe('cloister, as its three roles would run it', () => {
  const work = mkdtempSync(join(tmpdir(), 'cloister-cli-e2e-'));
  const net = join(work, 'net');
  const env = { ...process.env, CLOISTER_NETWORK_DIR: net, CLOISTER_LOG_LEVEL: 'warn' };
  let servicePids: number[] = [];
  let stack: Stack | undefined;

  const cloister = async (...args: string[]) => {
    try {
      const { stdout } = await run(process.execPath, [CLI, '--json', ...args], { env, maxBuffer: 16 << 20 });
      return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown> & Record<string, never>;
    } catch (error) {
      const e = error as { stderr?: string; stdout?: string };
      throw new Error(`cloister ${args.join(' ')} failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`);
    }
  };
  const nodeRun = (task: string, site: string, key: string, state: string) =>
    new Promise<string>((done, fail) => {
      const child = spawn(process.execPath, [CLI, '--json', 'node', 'run', '--task', task, '--dataset', site, '--key', key, '--state-dir', state, '--exit-when-done'], { env });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.once('exit', (code) => (code === 0 ? done(output) : fail(new Error(`node run for ${site} exited ${code}:\n${output}`))));
    });

  afterAll(async () => {
    await stack?.stop();
    if (existsSync(join(net, 'processes.json'))) await run(process.execPath, [CLI, 'network', 'down'], { env }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('network up → new → statistics → training → results → model get → network down', async () => {
    // Four sites: one dataset config each (the hospital's CSV, its columns, its split).
    const siteFiles = HEART_SITES.map((s, i) => {
      const file = join(work, `${s.key}.json`);
      writeFileSync(file, JSON.stringify(heartSiteConfig(s, i)));
      return file;
    });

    const up = await cloister('network', 'up');
    servicePids = (up.services as unknown as { pid: number }[]).map((s) => s.pid);
    expect(servicePids).toHaveLength(5);
    // A second `up` on the same folder is refused, and the running network is untouched.
    const again = await run(process.execPath, [CLI, 'network', 'up'], { env }).then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(again?.code).toBe(5);
    expect(again?.stderr).toMatch(/^error \[CLOISTER_ERR_INFRA_NETWORK_RUNNING\]: a network already runs in /);
    for (const pid of servicePids) expect(processAlive(pid)).toBe(true);
    const keys = join(net, 'keys');
    const member = (i: number) => join(keys, `member-${i}.key`);
    const participantKey = (i: number) => join(keys, `participant-${i}.key`);
    const addresses = HEART_SITES.map((_, i) => new Wallet(readFileSync(participantKey(i + 1), 'utf8').trim()).address).join(',');

    const task = join(work, 'heart');
    await cloister('new', task, '--template', 'tabular-logistic', '--dataset', siteFiles[0]!, '--participants', '4', '--rounds', String(ROUNDS));
    expect((await cloister('task', 'check', task)).ok).toBe(true);

    // Statistics: proposed, voted by two of three members, executed; four nodes compute and seal their sums.
    const stats = await cloister('stats', 'propose', task, '--participants', addresses, '--key', member(1));
    const statsProposals = [stats.admitProposal, stats.taskProposal] as unknown as string[];
    await cloister('gov', 'vote', ...statsProposals, '--yes', '--key', member(1));
    await cloister('gov', 'vote', ...statsProposals, '--yes', '--key', member(2));
    await cloister('gov', 'execute', ...statsProposals, '--key', member(3));
    await Promise.all(siteFiles.map((f, i) => nodeRun(String(stats.taskId), f, participantKey(i + 1), join(work, 'state', `${i}`))));
    const result = await cloister('stats', 'result', String(stats.taskId));

    // The scaling equals the pooled computation over the four training splits.
    const locals = siteFiles.map((f) => loadDataset(f, { task: { features: result.features as unknown as string[] } }));
    const pooled = featureStatistics(locals.map((l) => l.train));
    expect(result.count).toBe(HEART_SITES.reduce((n, s) => n + s.train, 0));
    expect(result.participants).toBe(4);
    const mean = result.mean as unknown as number[];
    const std = result.std as unknown as number[];
    mean.forEach((m, j) => expect(Math.abs(m - pooled.mean[j]!)).toBeLessThanOrEqual(1e-9 * Math.abs(pooled.mean[j]!)));
    std.forEach((s, j) => expect(Math.abs(s - pooled.std[j]!)).toBeLessThanOrEqual(1e-9 * Math.abs(pooled.std[j]!)));
    expect(Object.keys(result)).not.toContain('min');

    // Training: proposed with the statistics result, voted, executed; four nodes train every round.
    const training = await cloister('task', 'propose', task, '--statistics', String(stats.taskId), '--participants', addresses, '--key', member(1));
    const trainingProposals = [training.admitProposal, training.taskProposal] as unknown as string[];
    await cloister('gov', 'vote', ...trainingProposals, '--yes', '--key', member(1));
    await cloister('gov', 'vote', ...trainingProposals, '--yes', '--key', member(2));
    await cloister('gov', 'execute', ...trainingProposals, '--key', member(1));
    await Promise.all(siteFiles.map((f, i) => nodeRun(String(training.taskId), f, participantKey(i + 1), join(work, 'state', `t${i}`))));

    const results = await cloister('task', 'results', String(training.taskId), '--key', participantKey(1));
    const rounds = results.rounds as unknown as { round: number; state: string; included: number; excluded: Record<string, number>; evaluation: { metrics: { accuracy: number } } | null; ownScore: { included: boolean } | null }[];
    expect(rounds).toHaveLength(ROUNDS);
    for (const r of rounds) {
      expect(r.state).toBe('Accepted');
      expect(r.included).toBe(4);
      expect(r.excluded).toEqual({});
      expect(r.ownScore?.included).toBe(true);
      expect(r.evaluation?.metrics.accuracy).toBeGreaterThan(0);
    }
    const model = await cloister('model', 'get', String(training.taskId), '--out', join(work, 'final.bin'));
    expect(model.verified).toBe(true);
    expect(model.round).toBe(String(ROUNDS));

    // The final model, evaluated on each site's test split (the downloaded, chain-verified bytes).
    await initBackend({ prefer: 'auto' });
    const scaled = siteFiles.map((f) => loadDataset(f, { task: { features: result.features as unknown as string[], scaling: { mean, std } } }));
    const built = buildTabularTask({ name: 'heart', features: result.features as unknown as string[], label: 'num > 0', scaling: { mean, std } });
    const evaluator = await buildModel(built.spec.model.topology);
    setModelWeights(evaluator, decodeTensors(readFileSync(join(work, 'final.bin'))));
    const perSite = scaled.map((s) => ({ accuracy: evaluateModel(evaluator, s.test, { ...built.spec.training, metrics: ['accuracy'] }).metrics.accuracy!, count: s.test.count }));
    evaluator.dispose();
    const finalMean = perSite.reduce((a, s) => a + s.accuracy, 0) / perSite.length;
    const finalPooled = perSite.reduce((a, s) => a + s.accuracy * s.count, 0) / perSite.reduce((a, s) => a + s.count, 0);
    expect(finalMean).toBeGreaterThanOrEqual(0.685); // FLamby FedAvg, mean per site
    expect(finalPooled).toBeGreaterThanOrEqual(0.748); // FLamby FedAvg, pooled

    // Down: no process, no folder.
    await cloister('network', 'down');
    for (const pid of servicePids) expect(processAlive(pid)).toBe(false);
    expect(existsSync(net)).toBe(false);

    // The library path, same data, seeds and scaling: the CLI's federated accuracy of round r+1 (the model after round
    // r, weighted by test examples) is the library's pooled accuracy after round r.
    stack = await startStack({ logger: createLogger({ level: 'warn', output: process.stderr }), participants: 4, redisUrl: '' });
    const library = await runFederation(stack, {
      logger: createLogger({ level: 'warn', output: process.stderr }),
      task: built,
      sites: siteFiles.map((f, i) => ({ name: HEART_SITES[i]!.key, dataset: JSON.parse(readFileSync(f, 'utf8')) as CsvDatasetConfig, local: scaled[i]! })),
      evaluation: scaled.map((s, i) => ({ name: HEART_SITES[i]!.key, test: s.test })),
      rounds: ROUNDS,
      rewardPerRound: 1n,
      roundDuration: 300,
      roundTimeoutSeconds: 180,
    });
    await stack.stop();
    stack = undefined;
    for (let r = 1; r < ROUNDS; r++) {
      expect(Math.abs(rounds[r]!.evaluation!.metrics.accuracy - library.rounds[r - 1]!.pooled)).toBeLessThanOrEqual(0.005);
    }
    expect(Math.abs(finalPooled - library.rounds[ROUNDS - 1]!.pooled)).toBeLessThanOrEqual(0.005);
    process.stdout.write(
      `cli e2e: federated accuracy per round ${rounds.map((r) => r.evaluation!.metrics.accuracy.toFixed(4)).join(' ')}; final mean per site ${finalMean.toFixed(4)}, pooled ${finalPooled.toFixed(4)}; library pooled ${library.rounds.map((r) => r.pooled.toFixed(4)).join(' ')}\n`,
    );
  });
});
