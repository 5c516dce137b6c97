// A long-lived participant: joins every open round of a task once (socket.io events + polling, the chain decides),
// and can be used as a library with an injected signer/provider, data and logger (the demo runs several in-process).
import { EventEmitter } from 'node:events';
import { connectCloister, type CloisterContracts, type Deployment } from '@cloister/contracts';
import { ROUND_STATE, type RoundEvent } from '@cloister/protocol';
import type { Signer } from 'ethers';
import { ConfigInvalidError, RoundNotOpenError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import type { TrainProgress } from '@cloister/model-runtime';
import { CoordinatorClient } from './coordinatorClient';
import { RoundEvents } from './roundEvents';
import type { RetryOptions } from './retry';
import { submitRound, type DatasetProvider, type SubmitRoundResult } from './submitRound';
import { chainStep } from './transient';

export interface ParticipantNodeOptions {
  /** A signer connected to a provider (on Sapphire, already wrapped). */
  signer: Signer;
  /** Deployment addresses, or already connected contracts. */
  deployment?: Deployment;
  contracts?: CloisterContracts;
  coordinatorUrl: string;
  taskId: bigint;
  dataset: DatasetProvider;
  /** Where per-round state is kept (sealed updates, hashes, statuses). */
  stateDir: string;
  logger?: Logger;
  /** Backoff for transient network failures, at the step that failed: coordinator requests and chain RPC steps. */
  retry?: RetryOptions;
  pollIntervalMs?: number;
  /** socket.io subscription (default true); polling always runs as the fallback. */
  socket?: boolean;
  trainSeed?: number;
  onProgress?: (round: bigint, p: TrainProgress) => void;
}

export interface ParticipantNodeEvents {
  submitted: [SubmitRoundResult];
  error: [Error];
  event: [RoundEvent];
  idle: [{ round: bigint; state: number }];
}

export class ParticipantNode extends EventEmitter<ParticipantNodeEvents> {
  readonly coordinator: CoordinatorClient;
  readonly contracts: CloisterContracts;
  private readonly logger: Logger;
  private readonly events: RoundEvents;
  private readonly done = new Set<string>();
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(private readonly options: ParticipantNodeOptions) {
    super();
    if (!options.signer.provider) throw new ConfigInvalidError('ParticipantNode needs a signer connected to a provider.');
    const contracts = options.contracts ?? (options.deployment ? connectCloister(options.deployment, options.signer) : undefined);
    if (!contracts) throw new ConfigInvalidError('ParticipantNode needs `deployment` or `contracts`.');
    this.contracts = contracts;
    this.logger = (options.logger ?? silentLogger()).child({ taskId: String(options.taskId) });
    this.coordinator = new CoordinatorClient({ baseUrl: options.coordinatorUrl, signer: options.signer, retry: options.retry, logger: this.logger });
    this.events = new RoundEvents({
      coordinatorUrl: options.coordinatorUrl,
      taskId: options.taskId,
      pollIntervalMs: options.pollIntervalMs,
      socket: options.socket,
      logger: this.logger,
      onSignal: (event) => {
        if (event) this.emit('event', event);
        this.poke();
      },
    });
  }

  /** Subscribes and starts joining rounds. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.events.start();
    this.poke();
  }

  /** Stops listening and waits for the round in progress (if any) to finish its current step. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.events.stop();
    await this.running?.catch(() => undefined);
  }

  /** Asks the node to look at the chain now (coalesced: one check at a time, another after if asked meanwhile). */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.check()
      .catch((error: Error) => {
        this.logger.error({ err: error.message, code: (error as { code?: string }).code }, 'node: round attempt failed');
        if (this.listenerCount('error') > 0) this.emit('error', error);
      })
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Joins the task's current round if it is open and not yet submitted by this node. */
  private async check(): Promise<void> {
    const { taskId } = this.options;
    const chain = <T>(step: string, fn: () => Promise<T>) => chainStep(step, fn, { retry: this.options.retry, logger: this.logger });
    const round = await chain('currentRound', () => this.contracts.taskManager.currentRound(taskId));
    if (round === 0n) return;
    const r = await chain('getRound', () => this.contracts.taskManager.getRound(taskId, round));
    const key = `${round}-${r.openedAt}`;
    if (Number(r.state) !== ROUND_STATE.Open || this.done.has(key)) {
      this.emit('idle', { round, state: Number(r.state) });
      return;
    }
    try {
      const result = await this.joinRound(round);
      this.done.add(key);
      this.emit('submitted', result);
    } catch (error) {
      if (error instanceof RoundNotOpenError) {
        this.done.add(key);
        this.logger.info({ round: String(round) }, 'node: round closed before this node could submit');
        return;
      }
      throw error;
    }
  }

  /** Trains and submits for one round (resuming from local state when a previous attempt was interrupted). */
  joinRound(round?: bigint): Promise<SubmitRoundResult> {
    return submitRound({
      signer: this.options.signer,
      contracts: this.contracts,
      coordinator: this.coordinator,
      stateDir: this.options.stateDir,
      taskId: this.options.taskId,
      round,
      dataset: this.options.dataset,
      trainSeed: this.options.trainSeed,
      retry: this.options.retry,
      onProgress: this.options.onProgress ? (p) => this.options.onProgress!(round ?? 0n, p) : undefined,
      logger: this.logger,
    });
  }
}
