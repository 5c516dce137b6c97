// Large-round benchmark (a script, not a CI test): `npm run bench:large-round -w simulation -- --clients 2000
// --params 10000 --page 200`. One round of N virtual participants through the real path on a fresh local stack; the
// aggregator reports the outcomes in pages of `--page` accounts and finalizes, the coordinator accepts and credits the
// rewards in pages. Prints the gas of every reportOutcomes / finalizeRound / acceptRound / creditRewards transaction,
// the round's time and split, and the peak RSS of the hardhat node (the chain's memory), this process and redis.
// Baseline: the per-transaction gas cap of EIP-7825 (2^24 = 16,777,216, in force from Osaka; Sapphire's block gas
// limit is of the same order), against which each page is measured, and the one-transaction finalize this interface
// replaced (N × the measured gas per account: over the cap from ≈ 630 participants). The simulation's chain itself
// runs with a 1e9 block gas limit and the Cancun hardfork (simulation/chain/hardhat.config.js), so it would accept
// the oversized transaction: the cap is the figure that matters. Merges its entries into bench/latest.json.
import type { ContractEventPayload, EventLog, Log } from 'ethers';
import pino from 'pino';
import { until } from '@cloister/devstack';
import { maxUpdateBytesFor, peakRssBytes, PHASES, runSimulation, startSimulationStack, syntheticModel, syntheticSource } from '../src';
import { concurrencyOf, int, mb, mergeEntries, roundBenchProgram, type Entry, type RoundBenchOptions } from './roundBench';

/** EIP-7825's per-transaction gas cap (2^24). */
const TX_GAS_CAP = 16_777_216;

async function main(): Promise<void> {
  const program = roundBenchProgram('bench:large-round', 'One round of N participants with paged finalize and paged reward crediting; gas per page, chain memory, time.', {
    clients: 2000,
    params: 10_000,
    concurrency: 16,
  }).option('--page <k>', 'accounts per reportOutcomes page', int('--page', 1, 10_000), 200);
  program.parse();
  const o = program.opts<RoundBenchOptions & { page: number }>();
  const logger = pino({ level: o.logLevel }, pino.destination(2));
  process.stderr.write(`bench:large-round: starting the stack for N=${o.clients}, P=${o.params}, page ${o.page}\n`);
  const stack = await startSimulationStack({ logger, participants: o.clients, maxUpdateBytes: maxUpdateBytesFor(syntheticModel(o.params)), outcomePageSize: o.page });
  try {
    const step = Math.max(1, Math.floor(o.clients / 10));
    const started = Date.now();
    const result = await runSimulation({
      participants: o.clients,
      rounds: 1,
      concurrency: concurrencyOf(o),
      seed: o.seed,
      source: syntheticSource({ params: o.params, seed: o.seed }),
      logger,
      stack,
      roundTimeoutMs: 60 * 60_000,
      onProgress: (_round, done, total) => {
        if (done % step === 0 || done === total) process.stderr.write(`  ${done}/${total} participants submitted\n`);
      },
    });
    const round = result.rounds[0]!;
    const tm = stack.contracts.taskManager;
    const taskId = result.taskId;
    // The coordinator credits the rewards in pages after acceptance: wait for the last page.
    await until('rewards credited', async () => Number((await tm.getRound(taskId, 1n)).creditedCount) === o.clients, 30 * 60_000, 500);
    const creditedAt = Date.now();
    const gasOf = async (events: (EventLog | Log | ContractEventPayload)[]) => {
      const out: number[] = [];
      for (const e of events) out.push(Number((await stack.provider.getTransactionReceipt((e as Log).transactionHash))!.gasUsed));
      return out;
    };
    const reports = await gasOf(await tm.queryFilter(tm.filters.OutcomesReported(taskId, 1n)));
    const [finalize] = await gasOf(await tm.queryFilter(tm.filters.RoundFinalized(taskId, 1n)));
    const [accept] = await gasOf(await tm.queryFilter(tm.filters.RoundAccepted(taskId, 1n)));
    const credits = await gasOf(await tm.queryFilter(tm.filters.RewardsCredited(taskId, 1n)));
    const blockGasLimit = TX_GAS_CAP;
    const perAccount = reports.reduce((a, b) => a + b, 0) / o.clients;
    const oneCall = Math.round(perAccount * o.clients + finalize!);
    const chainRss = stack.pids.chain === null ? null : peakRssBytes(stack.pids.chain);
    const max = (v: number[]) => Math.max(...v);

    const lines = [
      `Large round: N=${o.clients} participants, P=${o.params} float32 parameters, outcome pages of ${o.page}; round ${round.wallSeconds.toFixed(1)} s (` +
        PHASES.map((p) => `${p} ${round.phases[p].toFixed(1)}`).join(', ') +
        `), rewards credited ${((creditedAt - started) / 1000 - round.wallSeconds - result.setupSeconds).toFixed(1)} s after acceptance`,
      `included ${round.included}/${o.clients}; per-transaction gas cap (EIP-7825) ${blockGasLimit.toLocaleString('en')}`,
      `reportOutcomes: ${reports.length} pages, gas ${reports.map((g) => g.toLocaleString('en')).join(' / ')} (max ${max(reports).toLocaleString('en')} = ${((100 * max(reports)) / blockGasLimit).toFixed(1)} % of the cap); ${Math.round(perAccount).toLocaleString('en')} gas per account`,
      `finalizeRound: ${finalize!.toLocaleString('en')} gas; acceptRound: ${accept!.toLocaleString('en')} gas`,
      `creditRewards: ${credits.length} pages, gas ${credits.map((g) => g.toLocaleString('en')).join(' / ')} (max ${((100 * max(credits)) / blockGasLimit).toFixed(1)} % of the cap)`,
      `the one-call finalize this replaces would need ≈ ${oneCall.toLocaleString('en')} gas: ${(oneCall / blockGasLimit).toFixed(2)} × the per-transaction cap`,
      `peak RSS: hardhat node (the chain) ${mb(chainRss)}, simulation process ${mb(result.peakRss.simulation)}, redis ${mb(result.peakRss.redis)}`,
    ];
    console.log(lines.join('\n'));

    const tag = `N=${o.clients} P=${o.params} page=${o.page}`;
    const fresh: Entry[] = [
      { name: `large round: max reportOutcomes page gas vs the per-transaction gas cap, ${tag}`, value: max(reports), unit: 'gas', baseline: blockGasLimit, ratio: max(reports) / blockGasLimit },
      { name: `large round: max creditRewards page gas vs the per-transaction gas cap, ${tag}`, value: max(credits), unit: 'gas', baseline: blockGasLimit, ratio: max(credits) / blockGasLimit },
      { name: `large round: one-call finalize gas (replaced) vs the per-transaction gas cap, ${tag}`, value: oneCall, unit: 'gas', baseline: blockGasLimit, ratio: oneCall / blockGasLimit },
      { name: `large round: finalizeRound gas after the pages, ${tag}`, value: finalize!, unit: 'gas', baseline: null, ratio: null },
      { name: `large round: round wall time, ${tag}`, value: round.wallSeconds, unit: 's', baseline: null, ratio: null },
      { name: `large round: hardhat node peak RSS, ${tag}`, value: (chainRss ?? 0) / 1e6, unit: 'MB', baseline: 24_000, ratio: (chainRss ?? 0) / 1e6 / 24_000 },
    ];
    mergeEntries(o.out, fresh);
  } finally {
    await stack.stop();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const e = error as { code?: string; message?: string };
    process.stderr.write(`bench:large-round failed: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
