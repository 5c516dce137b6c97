// `npm run demo -- --task <dir> --sites a.json,b.json,…`: a user's own task folder and sites through the same path a
// real federation takes, driven with the `cloister` command line as separate processes: a local development network,
// a statistics task for the feature scaling (when the task has none), the training task, one node per site, the
// results, the final model, and `network down` (also on Ctrl-C).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Wallet } from 'ethers';
import type { Logger } from 'pino';
import { CliTaskFailedError } from '../errors';

const execFileAsync = promisify(execFile);
const CLI = resolve(__dirname, '..', 'main.js');

export type OwnTaskDemoOptions = { task: string; sites: string[]; logger: Logger };

export type OwnTaskDemoResult = {
  statisticsTaskId: string | null;
  trainingTaskId: string;
  rounds: { round: number; state: string; included: number; excluded: number; accuracy: number | null }[];
  modelFile: string;
};

export async function runOwnTaskDemo(options: OwnTaskDemoOptions): Promise<OwnTaskDemoResult> {
  const log = options.logger;
  const work = mkdtempSync(join(tmpdir(), 'cloister-demo-'));
  const net = join(work, 'net');
  const env = { ...process.env, CLOISTER_NETWORK_DIR: net };
  const children = new Set<ChildProcess>();
  const cloister = async (...args: string[]): Promise<Record<string, unknown>> => {
    try {
      const { stdout } = await execFileAsync(process.execPath, [CLI, '--json', ...args], { env, maxBuffer: 16 << 20 });
      return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    } catch (error) {
      const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n').pop();
      throw new CliTaskFailedError(`\`cloister ${args.join(' ')}\` failed: ${stderr}`);
    }
  };
  const nodes = (taskId: string) =>
    Promise.all(
      options.sites.map(
        (site, i) =>
          new Promise<void>((done, fail) => {
            const child = spawn(process.execPath, [CLI, 'node', 'run', '--task', taskId, '--dataset', resolve(site), '--key', join(net, 'keys', `participant-${i + 1}.key`), '--state-dir', join(work, 'state', `${taskId}-${i}`), '--exit-when-done', '--log-level', 'warn'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
            children.add(child);
            let err = '';
            child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
            child.once('exit', (code) => {
              children.delete(child);
              if (code === 0) done();
              else fail(new CliTaskFailedError(`the node of ${site} exited ${code}: ${err.trim().split('\n').pop()}`));
            });
          }),
      ),
    );
  const stopAll = async () => {
    for (const c of children) c.kill('SIGTERM');
    await execFileAsync(process.execPath, [CLI, 'network', 'down'], { env }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };
  const onSignal = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log.info('demo: starting a local development network (separate processes)');
    await cloister('network', 'up', '--participants', String(Math.max(options.sites.length, 2)));
    const member = (i: number) => join(net, 'keys', `member-${i}.key`);
    const addresses = options.sites.map((_, i) => new Wallet(readFileSync(join(net, 'keys', `participant-${i + 1}.key`), 'utf8').trim()).address).join(',');
    const check = await cloister('task', 'check', options.task);
    log.info({ task: options.task }, `demo: task folder checked (${String(check.kind)} task "${String(check.name)}")`);
    const approve = async (proposal: Record<string, unknown>) => {
      const ids = [proposal.admitProposal, proposal.taskProposal].filter(Boolean) as string[];
      await cloister('gov', 'vote', ...ids, '--yes', '--key', member(1));
      await cloister('gov', 'vote', ...ids, '--yes', '--key', member(2));
      await cloister('gov', 'execute', ...ids, '--key', member(1));
    };
    const taskFile = JSON.parse(readFileSync(join(options.task, 'task.json'), 'utf8')) as { data: { scaling?: unknown } };
    let statisticsTaskId: string | null = null;
    if (!taskFile.data.scaling) {
      const stats = await cloister('stats', 'propose', options.task, '--participants', addresses, '--key', member(1));
      await approve(stats);
      statisticsTaskId = String(stats.taskId);
      log.info({ task: statisticsTaskId }, 'demo: statistics task approved; the sites compute their sums');
      await nodes(statisticsTaskId);
      const result = await cloister('stats', 'result', statisticsTaskId);
      log.info({ count: result.count, participants: result.participants }, 'demo: statistics result finalized (totals only)');
    }
    const training = await cloister('task', 'propose', options.task, '--participants', addresses, '--key', member(1), ...(statisticsTaskId ? ['--statistics', statisticsTaskId] : []));
    await approve(training);
    const trainingTaskId = String(training.taskId);
    log.info({ task: trainingTaskId }, 'demo: training task approved; the sites train');
    await nodes(trainingTaskId);
    const results = await cloister('task', 'results', trainingTaskId);
    const rounds = (results.rounds as { round: number; state: string; included: number; excluded: Record<string, number>; evaluation: { metrics: { accuracy?: number } } | null }[]).map((r) => ({
      round: r.round,
      state: r.state,
      included: r.included,
      excluded: Object.values(r.excluded).reduce((sum, n) => sum + n, 0),
      accuracy: r.evaluation?.metrics.accuracy ?? null,
    }));
    for (const r of rounds) {
      log.info(`round ${r.round}: ${r.state}, ${r.included} included, ${r.excluded} excluded${r.accuracy !== null ? `, federated accuracy of the model it started from ${(r.accuracy * 100).toFixed(1)}%` : ''}`);
    }
    const modelFile = resolve(`model-${trainingTaskId}.bin`);
    await cloister('model', 'get', trainingTaskId, '--out', modelFile);
    log.info({ file: modelFile }, 'demo: final model downloaded and verified against the chain');
    return { statisticsTaskId, trainingTaskId, rounds, modelFile };
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await stopAll();
    log.info('demo: network down, nothing left running');
  }
}
