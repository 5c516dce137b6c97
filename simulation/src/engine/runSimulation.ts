// The simulation engine: N virtual participants in this process drive one task through the real round path,
// round after round: seal (HPKE to the aggregator's on-chain key) → commit the ciphertext hash on chain → upload to
// the coordinator (per-participant EIP-4361 session) → the coordinator closes the round (all committed) → the
// aggregation job → the aggregator (development appd) finalizes → the coordinator accepts and opens the next round.
// Each participant runs its round on its own, as a real client does (seal, commit with an explicit nonce, upload),
// `concurrency` at a time, so memory holds at most `concurrency` updates whatever N is; commits sent while an earlier
// batch is on its way share one batched JSON-RPC request.
import { encodeTensors, encodeUpdate, sealedSize, sha256Hex, signUpdateDigest, ROUND_STATE, type NamedTensor } from '@cloister/protocol';
import { CoordinatorClient, RoundEvents, fetchGlobalModel } from '@cloister/client';
import { getBytes, ZeroHash } from 'ethers';
import pino, { type Logger } from 'pino';
import { proposeAndExecute } from '../chain/governance';
import { CoalescingRpc } from '../chain/rpc';
import { CommitFailedError, OptionsInvalidError, RoundIncompleteError, RoundTimeoutError, StackFailedError } from '../errors';
import { createParticipants, signInAll, type VirtualParticipant } from '../participants/participants';
import { SealPool } from '../participants/sealPool';
import { peakRssBytes } from '../stack/processes';
import { startSimulationStack, type SimulationStack } from '../stack/startSimulationStack';
import type { UpdateSource } from './updateSource';

export const PHASES = ['open', 'seal', 'commit', 'upload', 'close', 'aggregate', 'finalize'] as const;
export type Phase = (typeof PHASES)[number];

export type RoundStats = {
  round: number;
  /** From the previous round's acceptance (or the end of setup) to this round's acceptance, in seconds. */
  wallSeconds: number;
  /**
   * CPU time this process (participants, coordinator, aggregator and its opener pool, appd: every thread) spent in
   * the same span, user + system, in seconds: less sensitive than wall time to other jobs on a shared machine.
   */
  cpuSeconds: number;
  /**
   * The round's critical path (participants overlap: one uploads while the next seals): open: until the round is
   * seen Open; seal: until the last participant has generated/trained, encoded, HPKE-sealed, hashed and signed; commit:
   * then until the last commit transaction is mined; upload: then until the last ciphertext is stored by the
   * coordinator; close: last upload → aggregation job starts
   * (closeRound transaction, chain watcher, enqueue); aggregate: job start → first outcome page sent (fetch, open,
   * validate, fold, score, store model); finalize: outcome pages and finalizeRound mined, the coordinator's
   * acceptRound mined, seen Accepted. Seconds.
   */
  phases: Record<Phase, number>;
  committed: number;
  included: number;
  /** Sum of the round's ciphertext sizes in bytes. */
  ciphertextBytes: number;
  /** Checks the aggregator performed on this round's updates (each should equal the committed count). */
  checks: { hashes: number; signatures: number; openings: number; validations: number } | null;
  modelHash: string;
};

export type SimulationResult = {
  participants: number;
  rounds: RoundStats[];
  taskId: bigint;
  source: string;
  concurrency: number;
  setupSeconds: number;
  /** Peak resident set sizes in bytes (VmHWM), read before the stack stops. */
  peakRss: { simulation: number | null; chain: number | null; redis: number | null };
};

export type SimulationOptions = {
  participants: number;
  rounds: number;
  source: UpdateSource;
  /** Participants in flight at once (default 8). */
  concurrency?: number;
  /** Seed of the participants' keys (default 1). */
  seed?: number;
  logger?: Logger;
  serviceLogLevel?: string;
  /**
   * Worker threads that seal the participants' updates (default: one per core; 0 = in this thread). Real participants
   * seal on their own machines at the same time; here they share this process with the coordinator and aggregator.
   */
  sealThreads?: number;
  /** Longest a round may take, in ms (default 15 minutes). */
  roundTimeoutMs?: number;
  /** Called after each round. */
  onRound?: (stats: RoundStats) => void;
  /**
   * A stack started by the caller with `startSimulationStack` (sized for this run): it is used and left running, so
   * the caller can read the chain afterwards and must stop it. Default: a fresh stack, stopped at the end.
   */
  stack?: SimulationStack;
  /** Called with (done, total) participants during a round's submissions. */
  onProgress?: (round: number, done: number, total: number) => void;
  /** Accounts per reportOutcomes page of the aggregator of a fresh stack (default the aggregator's, 200). */
  outcomePageSize?: number;
};

const GAS_COMMIT = 250_000n;
const MAX_FEE = 10_000_000_000n; // 10 gwei: the simulation chain's base fee stays far below (blocks are mostly empty)
const PRIORITY_FEE = 1_000_000_000n;
/** The chain is read again after this long without a round event (the socket is the fast path; this is the safety net). */
const FALLBACK_POLL_MS = 250;

/**
 * The coordinator's round events for one task (socket.io, as every real participant subscribes), as "look again"
 * signals: `next()` resolves at the next event or after `FALLBACK_POLL_MS`, whichever comes first.
 */
class RoundSignals {
  private waiters: (() => void)[] = [];
  private readonly events: RoundEvents;

  constructor(coordinatorUrl: string, taskId: bigint) {
    this.events = new RoundEvents({ coordinatorUrl, taskId, pollIntervalMs: 0, onSignal: () => this.wake() });
    this.events.start();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  next(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, FALLBACK_POLL_MS);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  stop(): void {
    this.events.stop();
    this.wake();
  }
}

function validateOptions(o: SimulationOptions): void {
  if (!Number.isInteger(o.participants) || o.participants < 1 || o.participants > 100_000) {
    throw new OptionsInvalidError(`participants must be an integer in 1..100000 (got ${o.participants})`);
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 1 || o.rounds > 10_000) {
    throw new OptionsInvalidError(`rounds must be an integer in 1..10000 (got ${o.rounds})`);
  }
  if (o.sealThreads !== undefined && (!Number.isInteger(o.sealThreads) || o.sealThreads < 0 || o.sealThreads > 64)) {
    throw new OptionsInvalidError(`sealThreads must be an integer in 0..64 (got ${o.sealThreads})`);
  }
  if (o.concurrency !== undefined && (!Number.isInteger(o.concurrency) || o.concurrency < 1 || o.concurrency > 1024)) {
    throw new OptionsInvalidError(`concurrency must be an integer in 1..1024 (got ${o.concurrency})`);
  }
}

async function putBlob(stack: SimulationStack, bytes: Uint8Array): Promise<string> {
  const hash = sha256Hex(bytes);
  const res = await fetch(`${stack.coordinatorUrl}/v1/blobs/${hash.slice(2)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  if (!res.ok) throw new StackFailedError(`the coordinator refused PUT /v1/blobs/${hash.slice(2)}: HTTP ${res.status} ${await res.text()}`);
  return hash;
}

/** Runs the whole simulation on a fresh local stack and stops it; see the file comment. */
/** The upload limit a simulation of `model` needs (its sealed update plus headroom for the update header). */
export function maxUpdateBytesFor(model: NamedTensor[]): number {
  const params = model.reduce((sum, t) => sum + t.data.length, 0);
  return sealedSize(4 * params + 1024 * 1024) + 1024 * 1024;
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  validateOptions(options);
  const log = options.logger ?? pino({ level: 'silent' });
  const n = options.participants;
  const concurrency = options.concurrency ?? 8;
  const source = options.source;
  const setupStart = Date.now();
  const { spec, initialModel } = await source.task();
  const modelBytes = encodeTensors(initialModel);
  const maxUpdateBytes = maxUpdateBytesFor(initialModel);

  const stack =
    options.stack ??
    (await startSimulationStack({
      logger: log,
      participants: n,
      maxUpdateBytes,
      serviceLogLevel: options.serviceLogLevel,
      ...(options.outcomePageSize !== undefined ? { outcomePageSize: options.outcomePageSize } : {}),
    }));
  try {
    const { contracts, deployment } = stack;
    const taskManager = deployment.contracts.taskManager;
    const specBytes = Buffer.from(JSON.stringify(spec), 'utf8');
    const specHash = await putBlob(stack, specBytes);
    const modelHash = await putBlob(stack, modelBytes);
    const dataSchemaHash = sha256Hex(Buffer.from(JSON.stringify(spec.data), 'utf8'));
    const rewardPerRound = 1_000_000_000_000n;
    const params = {
      modelSpecHash: specHash,
      initialModelHash: modelHash,
      initialModelUri: `blobs/${modelHash.slice(2)}`,
      dataSchemaHash,
      minParticipants: n,
      maxParticipants: n,
      roundDuration: 24 * 3600,
      numRounds: options.rounds,
      rewardPerRound,
    };
    await proposeAndExecute(contracts, stack.member, {
      target: deployment.contracts.taskManager,
      value: rewardPerRound * BigInt(options.rounds),
      data: contracts.taskManager.interface.encodeFunctionData('createTask', [params]),
      description: `simulation: ${n} participants, ${options.rounds} rounds, ${source.label}`,
    });
    const taskId = await contracts.taskManager.taskCount();

    const participants = await createParticipants({ count: n, seed: options.seed ?? 1, provider: stack.provider, rpc: stack.rpc, coordinatorUrl: stack.coordinatorUrl });
    await proposeAndExecute(contracts, stack.member, {
      target: deployment.contracts.participants,
      value: 0n,
      data: contracts.participants.interface.encodeFunctionData('admitMany', [
        taskId,
        participants.map((p) => p.address),
        participants.map((p) => `sim-${p.index}`),
        participants.map(() => ''),
      ]),
      description: `simulation: admit ${n} participants`,
    });
    await signInAll(participants, 8);
    const recipientPublicKey = getBytes(await contracts.aggregatorRegistry.hpkePublicKey());
    if (recipientPublicKey.every((b) => b === 0)) throw new StackFailedError('the aggregator did not publish its HPKE key: check its log (appd, AggregatorRegistry.setAggregatorKeys)');
    const setupSeconds = (Date.now() - setupStart) / 1000;
    log.info({ taskId: String(taskId), participants: n, setupSeconds }, 'setup: task created, participants admitted and signed in');

    const stats: RoundStats[] = [];
    const signals = new RoundSignals(stack.coordinatorUrl, taskId);
    const sealer = new SealPool(options.sealThreads);
    try {
      let roundStart = Date.now();
      let cpuStart = process.cpuUsage();
      for (let r = 1; r <= options.rounds; r += 1) {
        const s = await runRound({ stack, taskId, round: r, participants, source, concurrency, sealer, recipientPublicKey, taskManager, roundStart, log, signals, timeoutMs: options.roundTimeoutMs ?? 15 * 60_000, onProgress: options.onProgress });
        roundStart = s.acceptedAt;
        const cpu = process.cpuUsage(cpuStart);
        cpuStart = process.cpuUsage();
        s.stats.cpuSeconds = (cpu.user + cpu.system) / 1e6;
        stats.push(s.stats);
        options.onRound?.(s.stats);
      }
    } finally {
      signals.stop();
      await sealer.close();
    }
    const peakRss = {
      simulation: peakRssBytes('self'),
      chain: stack.pids.chain === null ? null : peakRssBytes(stack.pids.chain),
      redis: peakRssBytes(stack.pids.redis),
    };
    return { participants: n, rounds: stats, taskId, source: source.label, concurrency, setupSeconds, peakRss };
  } finally {
    if (!options.stack) await stack.stop();
    await source.close?.();
  }
}

type RoundContext = {
  stack: SimulationStack;
  taskId: bigint;
  round: number;
  participants: VirtualParticipant[];
  source: UpdateSource;
  concurrency: number;
  sealer: SealPool;
  recipientPublicKey: Uint8Array;
  taskManager: string;
  roundStart: number;
  log: Logger;
  signals: RoundSignals;
  timeoutMs: number;
  onProgress?: (round: number, done: number, total: number) => void;
};

/** Reads the round at each round event (or fallback tick) until `until(state)`; returns the time it was first seen so. */
async function waitForRound(ctx: RoundContext, until: (state: number) => boolean, what: string, deadline: number): Promise<number> {
  const tm = ctx.stack.contracts.taskManager;
  for (;;) {
    // Listen before reading: an event that arrives during the read is not lost.
    const signal = ctx.signals.next();
    const rd = await tm.getRound(ctx.taskId, ctx.round);
    const state = Number(rd.state);
    if (until(state)) return Date.now();
    if (state === ROUND_STATE.Failed || state === ROUND_STATE.Rejected) {
      throw new RoundIncompleteError(`round ${ctx.round} of task ${ctx.taskId} ended in state ${state} while waiting for ${what}`);
    }
    if (Date.now() > deadline) throw new RoundTimeoutError(`round ${ctx.round} of task ${ctx.taskId}: no ${what} within the round timeout (state ${state})`, { details: { state } });
    await signal;
  }
}

async function runRound(ctx: RoundContext): Promise<{ stats: RoundStats; acceptedAt: number }> {
  const { stack, taskId, round, participants, source, log } = ctx;
  const r = BigInt(round);
  const deadline = ctx.roundStart + ctx.timeoutMs;
  const phases: Record<Phase, number> = { open: 0, seal: 0, commit: 0, upload: 0, close: 0, aggregate: 0, finalize: 0 };
  const openedAt = await waitForRound(ctx, (s) => s === ROUND_STATE.Open, 'opening', deadline);
  phases.open = (openedAt - ctx.roundStart) / 1000;

  const chainRound = await stack.contracts.taskManager.getRound(taskId, r);
  let globalModel: NamedTensor[] | null = null;
  if (source.needsGlobalModel) {
    // One download per round for the whole process, checked against the on-chain hash like every client does.
    globalModel = await fetchGlobalModel(new CoordinatorClient({ baseUrl: stack.coordinatorUrl }), chainRound.previousModelHash);
  }
  const tmInterface = stack.contracts.taskManager.interface;
  const commits = new CoalescingRpc(stack.rpc);
  // When the last participant finished each step (the phases below are the round's critical path).
  const last = { seal: openedAt, commit: openedAt };
  let bytes = 0;
  let done = 0;
  let next = 0;
  let failed = false;
  /** One participant's round, as a real client runs it: train (or generate), seal, sign, commit, upload. */
  const participate = async (p: VirtualParticipant) => {
    const update = source.recipe ? source.recipe(p.index, round) : encodeUpdate(await source.update(p.index, round, globalModel));
    const context = { chainId: stack.chainId, contractAddress: ctx.taskManager, taskId, round: r, participant: p.address };
    const { ciphertext, ciphertextHash } = await ctx.sealer.seal(update, ctx.recipientPublicKey, context);
    const signature = await signUpdateDigest(p.wallet, { chainId: stack.chainId, contractAddress: ctx.taskManager, taskId, round: r, ciphertextHash });
    last.seal = Math.max(last.seal, Date.now());
    const raw = await p.wallet.signTransaction({
      type: 2,
      chainId: stack.chainId,
      nonce: p.nonce,
      to: ctx.taskManager,
      data: tmInterface.encodeFunctionData('commit', [taskId, r, ciphertextHash]),
      gasLimit: GAS_COMMIT,
      maxFeePerGas: MAX_FEE,
      maxPriorityFeePerGas: PRIORITY_FEE,
      value: 0n,
    });
    const outcome = await commits.call({ method: 'eth_sendRawTransaction', params: [raw] });
    if (!outcome.ok) {
      throw new CommitFailedError(`participant ${p.index} (${p.address}) could not commit round ${round}: ${outcome.message}`, {
        details: { participant: p.address, round },
      });
    }
    p.nonce += 1;
    last.commit = Math.max(last.commit, Date.now());
    await p.coordinator.putUpdate(taskId, r, ciphertext, signature);
    bytes += ciphertext.length;
    done += 1;
    ctx.onProgress?.(round, done, participants.length);
  };
  // `concurrency` lanes, each taking the next participant when its last one has uploaded: memory holds at most
  // `concurrency` updates, and one participant's upload overlaps the next ones' sealing (no barrier between steps).
  const lane = async () => {
    while (!failed && next < participants.length) {
      const p = participants[next]!;
      next += 1;
      try {
        await participate(p);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.concurrency, participants.length) }, lane));
  const uploadsDone = Date.now();
  phases.seal = (last.seal - openedAt) / 1000;
  phases.commit = Math.max(0, last.commit - last.seal) / 1000;
  phases.upload = Math.max(0, uploadsDone - Math.max(last.commit, last.seal)) / 1000;

  const acceptedAt = await waitForRound(ctx, (s) => s === ROUND_STATE.Accepted, 'acceptance', deadline);
  const final = await stack.contracts.taskManager.getRound(taskId, r);
  const marks = [...stack.aggregator.marks].reverse().find((m) => m.taskId === String(taskId) && m.round === round && m.status === 'finalized');
  if (marks?.submitAt !== undefined) {
    phases.close = Math.max(0, marks.activeAt - uploadsDone) / 1000;
    phases.aggregate = (marks.submitAt - Math.max(marks.activeAt, uploadsDone)) / 1000;
    phases.finalize = (acceptedAt - marks.submitAt) / 1000;
  } else {
    phases.finalize = (acceptedAt - uploadsDone) / 1000;
  }
  const stats: RoundStats = {
    round,
    wallSeconds: (acceptedAt - ctx.roundStart) / 1000,
    cpuSeconds: 0, // set by the caller, which measures from round to round
    phases,
    committed: Number(final.committedCount),
    included: Number(final.includedCount),
    ciphertextBytes: bytes,
    checks: marks?.checks ?? null,
    modelHash: final.modelHash,
  };
  log.info({ ...stats, phases: { ...phases } }, 'round: accepted');
  if (stats.included !== participants.length || final.modelHash === ZeroHash) {
    throw new RoundIncompleteError(`round ${round} finalized with ${stats.included} of ${participants.length} participants included`, {
      details: { committed: stats.committed, included: stats.included },
    });
  }
  return { stats, acceptedAt };
}
