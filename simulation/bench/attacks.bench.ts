// The attack matrix: `npm run bench:attacks -w simulation -- [--rounds 12] [--model cnn|dense] [--attacks …]
// [--strategies …]`. MNIST, 10 participants, Dirichlet(0.5) label split (seed 1, the demo's clean FedAvg split), the
// validation set = the first 1000 test images (no participant holds them), accuracy on the other 9000. Poisoners are
// participants 0 and 1; the free-rider scenario has 0–5 honest, 6 zero, 7 Gaussian noise, 8 last global step, 9
// honest claiming 1000× its examples (declared counts, clamped). Prints the results table (markdown) and writes
// bench/attacks.json. Takes hours with the CNN on 2 cores; CI runs test/attacks.test.ts instead.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { initBackend } from '@cloister/client';
import type { ScoringMethod, TrainingTaskSpec } from '@cloister/protocol';
import { denseTopology, flattenFeatures, initialWeights, loadAttackData, mnistCnnTopology, runFederation, type Behaviour, type BehaviourName, type FederationRound } from '../src';
import { attackSpec, freeRiderScenario, honestBehaviours, IN_PROCESS_VALIDATION_SET, poisonedBehaviours } from '../src/attacks/scenarios';

const program = new Command()
  .option('--rounds <n>', 'rounds per run', (v) => Number(v), 12)
  .option('--model <m>', 'cnn (the demo reference CNN) or dense (softmax regression)', 'cnn')
  .option('--local-epochs <n>', 'local epochs', (v) => Number(v), 2)
  .option('--attacks <list>', 'clean,sign-flip,scale,label-flip,little-is-enough,free-riders', 'clean,sign-flip,scale,label-flip,little-is-enough,free-riders')
  .option('--strategies <list>', 'strategies for the poisoning runs', 'fedavg,fltrust,multi-krum,trimmed-mean')
  .option('--sample-budget <n>', 'GTG-Shapley evaluations per round', (v) => Number(v), 100)
  .option('--out <file>', 'results JSON', join(__dirname, 'attacks.json'))
  .parse();
const opts = program.opts<{ rounds: number; model: string; localEpochs: number; attacks: string; strategies: string; sampleBudget: number; out: string }>();

const N = 10;
function spec(strategy: string, extra: Partial<TrainingTaskSpec> = {}): TrainingTaskSpec {
  const cnn = opts.model === 'cnn';
  const topology = cnn ? mnistCnnTopology() : denseTopology({ inputs: 784, outputs: 10, seed: 5 });
  return attackSpec(strategy, { name: `attack-matrix-${strategy}`, topology, learningRate: cnn ? 0.003 : 0.01, localEpochs: opts.localEpochs }, {
    ...(strategy === 'fltrust' ? { validationSet: IN_PROCESS_VALIDATION_SET } : {}),
    ...extra,
  });
}

type Run = { attack: string; strategy: string; rounds: FederationRound[]; seconds: number };

async function main(): Promise<void> {
  await initBackend();
  const loaded = loadAttackData({ participants: N, alpha: 0.5, seed: 1 });
  const shape = opts.model === 'cnn' ? (x: typeof loaded.test) => x : flattenFeatures;
  const data = { participants: loaded.participants.map(shape), validation: shape(loaded.validation), test: shape(loaded.test) };
  const runs: Run[] = [];
  const execute = async (attack: string, strategy: string, behaviours: Behaviour[], s: TrainingTaskSpec, scoring: ScoringMethod[]) => {
    const started = performance.now();
    const rounds = await runFederation({
      spec: s,
      initialModel: await initialWeights(s),
      participants: data.participants.map((dataset, i) => ({ dataset, behaviour: behaviours[i]! })),
      validation: data.validation,
      test: data.test,
      rounds: opts.rounds,
      seed: 1,
      scoring,
      sampleBudget: opts.sampleBudget,
      onRound: (r) => process.stderr.write(`${attack} ${strategy} round ${r.round}: accuracy ${(100 * r.accuracy).toFixed(2)} % (train ${r.seconds.training.toFixed(1)} s, aggregate ${r.seconds.aggregation.toFixed(2)} s)\n`),
    });
    runs.push({ attack, strategy, rounds, seconds: (performance.now() - started) / 1000 });
    // After every run: the results so far (a long matrix can be stopped and still report what it measured).
    writeFileSync(opts.out, JSON.stringify({ options: opts, runs }, null, 1));
    writeFileSync(opts.out.replace(/\.json$/, '.md'), report(runs));
  };
  const strategies = opts.strategies.split(',');
  for (const attack of opts.attacks.split(',')) {
    if (attack === 'free-riders') {
      const { behaviours, extra } = freeRiderScenario(data.participants);
      await execute(attack, 'fedavg', behaviours, spec('fedavg', extra), ['alignment', 'leave-one-out', 'gtg-shapley']);
      continue;
    }
    const behaviours = attack === 'clean' ? honestBehaviours(N) : poisonedBehaviours(attack as BehaviourName, N);
    for (const strategy of strategies) await execute(attack, strategy, behaviours, spec(strategy), []);
  }
  process.stdout.write(report(runs));
}

const pct = (v: number) => `${(100 * v).toFixed(1)}`;

export function report(runs: Run[]): string {
  const lines: string[] = [];
  const final = (r: Run) => r.rounds[r.rounds.length - 1]!.accuracy;
  const clean = runs.find((r) => r.attack === 'clean' && r.strategy === 'fedavg');
  const poison = runs.filter((r) => r.attack !== 'free-riders');
  if (poison.length > 0) {
    const strategies = [...new Set(poison.map((r) => r.strategy))];
    lines.push(`Test accuracy (%) after ${opts.rounds} rounds, 2 of 10 poisoners (clean FedAvg ${clean ? pct(final(clean)) : 'n/a'} %; Δ vs clean FedAvg in parentheses)`, '');
    lines.push(`| attack | ${strategies.join(' | ')} |`, `|---|${strategies.map(() => '---').join('|')}|`);
    for (const attack of [...new Set(poison.map((r) => r.attack))]) {
      const cells = strategies.map((s) => {
        const r = poison.find((x) => x.attack === attack && x.strategy === s);
        if (r === undefined) return '—';
        return clean ? `${pct(final(r))} (${(100 * (final(r) - final(clean))).toFixed(2)})` : pct(final(r));
      });
      lines.push(`| ${attack} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  const riders = runs.find((r) => r.attack === 'free-riders');
  if (riders !== undefined) {
    const names = ['honest 0', 'honest 1', 'honest 2', 'honest 3', 'honest 4', 'honest 5', 'zero', 'noise', 'last step', 'claims 1000×'];
    const methods: ScoringMethod[] = ['alignment', 'leave-one-out', 'gtg-shapley'];
    lines.push(`Reward share per participant (%), mean over ${riders.rounds.length} rounds [max in any round], FedAvg, final accuracy ${pct(final(riders))} %; FedAvg weight share of each (%)`, '');
    lines.push(`| participant | ${methods.join(' | ')} | FedAvg weight |`, `|---|${methods.map(() => '---').join('|')}|---|`);
    names.forEach((name, i) => {
      const cells = methods.map((m) => {
        const shares = riders.rounds.map((r) => r.shares[m]![i]!);
        return `${pct(shares.reduce((a, b) => a + b, 0) / shares.length)} [${pct(Math.max(...shares))}]`;
      });
      const w = riders.rounds.map((r) => r.weights[i]!);
      lines.push(`| ${name} | ${cells.join(' | ')} | ${pct(w.reduce((a, b) => a + b, 0) / w.length)} |`);
    });
    const evals = (m: ScoringMethod) => riders.rounds.reduce((a, r) => a + (r.evaluations[m] ?? 0), 0) / riders.rounds.length;
    const secs = (m: ScoringMethod) => riders.rounds.reduce((a, r) => a + (r.seconds.scoring[m] ?? 0), 0) / riders.rounds.length;
    lines.push('', `Scoring per round: leave-one-out ${evals('leave-one-out').toFixed(1)} evaluations ${secs('leave-one-out').toFixed(2)} s, GTG-Shapley ${evals('gtg-shapley').toFixed(1)} evaluations ${secs('gtg-shapley').toFixed(2)} s, aggregation ${(riders.rounds.reduce((a, r) => a + r.seconds.aggregation, 0) / riders.rounds.length).toFixed(2)} s.`);
  }
  return lines.join('\n') + '\n';
}

mkdirSync(join(__dirname), { recursive: true });
main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
