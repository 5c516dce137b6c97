// Round benchmark: `npm run bench:round -- --clients N --params P --rounds R`. Runs a synthetic simulation on a
// fresh local stack (redis, hardhat node, development appd, coordinator, aggregator), prints each round's wall time
// and its split, the median over rounds 2..R, the checks the aggregator performed per round, the peak RSS of this
// process, the hardhat node and redis; then runs Flower's own round benchmark with the same N, P and R in the same
// run (flowerPeer.ts; when it cannot run, the issue's figure from another sitting, labelled so) and prints the ratio.
// Round time is measured as Flower's script measures it: from the round's start to the new model, median of rounds
// 2..R. Merges its entries into bench/latest.json ([{ name, value, unit, baseline, ratio }]; other entries kept).
import os from 'node:os';
import pino from 'pino';
import { PHASES, runSimulation, syntheticSource, type RoundStats, type SimulationResult } from '../src';
import { allocatorSettings, concurrencyOf, freshPageCost, int, mb, MEMORY_KEPT_TUNABLES, mergeEntries, roundBenchProgram, type Entry, type RoundBenchOptions } from './roundBench';
import { measureFlowerRounds, median, type PeerFigure } from './flowerPeer';

const fmt = (v: number) => v.toFixed(3);

function table(result: SimulationResult, params: number, measured: RoundStats[]): string {
  const head = ['round', 'wall s', 'CPU s', ...PHASES.map((p) => `${p} s`), 'included', 'checks h/s/o/v'];
  const checks = (r: RoundStats) => (r.checks === null ? 'n/a' : `${r.checks.hashes}/${r.checks.signatures}/${r.checks.openings}/${r.checks.validations}`);
  const rows = result.rounds.map((r) => [String(r.round), fmt(r.wallSeconds), fmt(r.cpuSeconds), ...PHASES.map((p) => fmt(r.phases[p])), `${r.included}/${result.participants}`, checks(r)]);
  rows.push([
    'median 2..R',
    fmt(median(measured.map((r) => r.wallSeconds))),
    fmt(median(measured.map((r) => r.cpuSeconds))),
    ...PHASES.map((p) => fmt(median(measured.map((r) => r.phases[p])))),
    '',
    '',
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, k) => c.padStart(widths[k]!)).join(' | ') + ' |';
  const out = [
    `Round benchmark: N=${result.participants} participants, P=${params} float32 parameters, ${result.rounds.length} rounds, concurrency ${result.concurrency}, setup ${fmt(result.setupSeconds)} s`,
    line(head),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...rows.map(line),
    `peak RSS: simulation process (participants + coordinator + aggregator + appd) ${mb(result.peakRss.simulation)}, hardhat node ${mb(result.peakRss.chain)}, redis ${mb(result.peakRss.redis)}`,
  ];
  return out.join('\n');
}

/** `peerMemoryKept`: Flower run a second time with malloc keeping freed memory (`MEMORY_KEPT_TUNABLES`), when it was. */
export function entries(result: SimulationResult, params: number, measured: RoundStats[], peer: PeerFigure, peerMemoryKept: PeerFigure | null = null): Entry[] {
  const tag = `N=${result.participants} P=${params}`;
  const wall = median(measured.map((r) => r.wallSeconds));
  // Only a same-sitting Flower figure is a baseline; another sitting's is printed, never recorded as one.
  const flower = peer.kind === 'same-sitting' ? peer.seconds : null;
  const flowerMemoryKept = peerMemoryKept?.kind === 'same-sitting' ? peerMemoryKept.seconds : null;
  const checksPerUpdate = result.rounds.every((r) => r.checks !== null)
    ? Math.min(...result.rounds.map((r) => (r.checks!.hashes + r.checks!.signatures + r.checks!.openings + r.checks!.validations) / r.committed))
    : null;
  const list: Entry[] = [
    { name: `round wall time, median rounds 2..R, ${tag}`, value: wall, unit: 's/round', baseline: flower, ratio: flower === null ? null : wall / flower },
    { name: `round CPU time of the simulation process (all threads), median rounds 2..R, ${tag}`, value: median(measured.map((r) => r.cpuSeconds)), unit: 's/round', baseline: null, ratio: null },
    ...(flower === null ? [] : [{ name: `Flower v1.6.0 round time (same run), median rounds 2..R, ${tag}`, value: flower, unit: 's/round', baseline: null, ratio: null }]),
    ...(flowerMemoryKept === null
      ? []
      : [
          { name: `round wall time vs Flower with malloc keeping freed memory, median rounds 2..R, ${tag}`, value: wall, unit: 's/round', baseline: flowerMemoryKept, ratio: wall / flowerMemoryKept },
          { name: `Flower v1.6.0 round time, malloc keeping freed memory (same run), median rounds 2..R, ${tag}`, value: flowerMemoryKept, unit: 's/round', baseline: null, ratio: null },
        ]),
    ...(checksPerUpdate === null ? [] : [{ name: `aggregator checks per update (hash, signature, open, validate), fewest in any round, ${tag}`, value: checksPerUpdate, unit: 'checks', baseline: 4, ratio: checksPerUpdate / 4 }]),
    ...PHASES.map((p) => ({ name: `round phase ${p}, median, ${tag}`, value: median(measured.map((r) => r.phases[p])), unit: 's', baseline: null, ratio: null })),
    { name: `setup (stack, task, admission, sign-in), ${tag}`, value: result.setupSeconds, unit: 's', baseline: null, ratio: null },
  ];
  const update = result.rounds[0]!.ciphertextBytes / result.participants;
  const rss: [string, number | null][] = [['simulation process', result.peakRss.simulation], ['hardhat node', result.peakRss.chain], ['redis', result.peakRss.redis]];
  for (const [who, bytes] of rss) {
    if (bytes === null) continue;
    // The simulation process's baseline: the updates it may hold at once (concurrency × sealed update size).
    const base = who === 'simulation process' ? (Math.min(result.concurrency, result.participants) * update) / 1e6 : null;
    list.push({ name: `peak RSS ${who}, ${tag}`, value: bytes / 1e6, unit: 'MB', baseline: base, ratio: base === null ? null : bytes / 1e6 / base });
  }
  return list;
}

async function main(): Promise<void> {
  const program = roundBenchProgram('bench:round', 'Round benchmark: N virtual participants with seeded synthetic updates through the real round path.', { clients: 10, params: 1_000_000, concurrency: 'all' })
    .option('--rounds <r>', 'rounds (the median is over rounds 2..R, as Flower\'s script takes it)', int('--rounds', 1, 1000), 8)
    .option('--no-peer', 'do not run Flower after our rounds')
    .option('--no-peer-memory-kept', 'run Flower once, as shipped (default: also a second time with malloc keeping freed memory)');
  program.parse();
  const o = program.opts<RoundBenchOptions & { rounds: number; peer: boolean; peerMemoryKept: boolean }>();
  const logger = pino({ level: o.logLevel }, pino.destination(2));
  // Before anything else runs: memory freed by a run moments ago is still in the guest and would read as cheap.
  const pageCost = freshPageCost();
  process.stderr.write(`bench:round: starting the stack for N=${o.clients}, P=${o.params}, R=${o.rounds}\n`);
  const step = Math.max(1, Math.floor(o.clients / 10));
  const result = await runSimulation({
    participants: o.clients,
    rounds: o.rounds,
    concurrency: concurrencyOf(o),
    ...(o.sealThreads === undefined ? {} : { sealThreads: o.sealThreads }),
    seed: o.seed,
    source: syntheticSource({ params: o.params, seed: o.seed }),
    logger,
    onProgress: (round, done, total) => {
      if (done % step === 0 || done === total) process.stderr.write(`  round ${round}: ${done}/${total} participants submitted\n`);
    },
    onRound: (r) => process.stderr.write(`round ${r.round}: ${r.wallSeconds.toFixed(3)} s, ${r.included}/${o.clients} included\n`),
  });
  const measured = result.rounds.length > 1 ? result.rounds.slice(1) : result.rounds;
  console.log(table(result, o.params, measured));
  for (const r of result.rounds) {
    if (r.checks !== null && (r.checks.hashes < r.committed || r.checks.signatures < r.committed || r.checks.openings < r.committed || r.checks.validations < r.committed)) {
      throw new Error(`round ${r.round}: the aggregator performed fewer checks than updates (${JSON.stringify(r.checks)} for ${r.committed})`);
    }
  }
  const ours = median(measured.map((r) => r.wallSeconds));
  let peer: PeerFigure = { kind: 'none', why: '--no-peer' };
  let peerMemoryKept: PeerFigure | null = null;
  if (o.peer) {
    process.stderr.write(`bench:round: running Flower v1.6.0 with N=${o.clients}, P=${o.params}, R=${o.rounds} (same run)\n`);
    peer = await measureFlowerRounds({ clients: o.clients, params: o.params, rounds: o.rounds });
    // On a VM that charges for fresh pages, glibc's defaults cost Flower ≈ 3× its round time (README, Performance):
    // the second run shows the ratio without that cost. Skipped when this process already runs with those settings.
    if (o.peerMemoryKept && peer.kind === 'same-sitting' && process.env.GLIBC_TUNABLES !== MEMORY_KEPT_TUNABLES) {
      process.stderr.write(`bench:round: running Flower again with GLIBC_TUNABLES=${MEMORY_KEPT_TUNABLES}\n`);
      peerMemoryKept = await measureFlowerRounds({ clients: o.clients, params: o.params, rounds: o.rounds, environment: { ...process.env, GLIBC_TUNABLES: MEMORY_KEPT_TUNABLES } });
    }
  }
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  if (peer.kind === 'same-sitting') {
    console.log(`Flower v1.6.0 (gRPC, plaintext, no chain), same run: ${peer.seconds.toFixed(3)} s/round, median of rounds 2..${o.rounds} (rounds: ${peer.rounds.map(fmt).join(', ')}); ours ${ours.toFixed(3)} s/round = ${(ours / peer.seconds).toFixed(2)}× Flower's time.`);
  } else if (peer.kind === 'other-sitting') {
    console.log(`Flower v1.6.0 NOT measured in this run (${peer.why}). NOT SAME-SITTING: ${peer.seconds} s/round (${peer.when}); ours ${ours.toFixed(3)} s/round (${(ours / peer.seconds).toFixed(2)}× that figure, not a same-sitting ratio).`);
  } else {
    console.log(`Flower v1.6.0 not measured (${peer.why}); no figure for N=${o.clients}, P=${o.params}.`);
  }
  if (peerMemoryKept?.kind === 'same-sitting') {
    console.log(`Flower v1.6.0 with malloc keeping freed memory (GLIBC_TUNABLES=${MEMORY_KEPT_TUNABLES}), same run: ${peerMemoryKept.seconds.toFixed(3)} s/round (rounds: ${peerMemoryKept.rounds.map(fmt).join(', ')}); ours ${ours.toFixed(3)} s/round = ${(ours / peerMemoryKept.seconds).toFixed(2)}× that.`);
  } else if (peerMemoryKept !== null) {
    console.log(`Flower v1.6.0 with malloc keeping freed memory: not measured (${peerMemoryKept.why}).`);
  }
  console.log(`load average at the end: ${load} (the machine is shared: compare ratios from one run, not absolute times)`);
  console.log(
    `memory: ${allocatorSettings()} (this process and Flower's first run, which inherits the environment); a fresh 4 KiB page costs ${pageCost.firstTouchMicroseconds.toFixed(2)} µs to touch, ${pageCost.retouchMicroseconds.toFixed(2)} µs again`,
  );
  const machine: Entry = { name: 'machine: first touch of a fresh 4 KiB page (baseline: touching it again)', value: +pageCost.firstTouchMicroseconds.toFixed(3), unit: 'µs', baseline: +pageCost.retouchMicroseconds.toFixed(3), ratio: +(pageCost.firstTouchMicroseconds / pageCost.retouchMicroseconds).toFixed(1) };
  mergeEntries(o.out, [...entries(result, o.params, measured, peer, peerMemoryKept), machine]);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const e = error as { code?: string; message?: string };
    process.stderr.write(`bench:round failed: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}\n`);
    process.exit(1);
  });
}
