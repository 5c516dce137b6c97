import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import type { CoordinatorConfig } from '../config';
import type { ChainEvent } from '../chain/types';
import { CommitmentIndex } from '../chain/commitmentIndex';
import { DurableDocuments } from '../store/durableDocuments';
import { UploadRegistry } from '../rounds/uploadRegistry';
import { ReopenBudget } from '../rounds/reopenBudget';
import { RoundStateMachine } from '../rounds/roundStateMachine';
import { RoundJobHandlers } from '../rounds/roundJobHandlers';
import { ChainEventRelay } from '../rounds/chainEventRelay';

declare module 'fastify' {
  interface FastifyInstance {
    /** Upload records (store-backed, Redis-indexed). */
    uploads: UploadRegistry;
    /** The commitments the chain watcher saw, which the upload route checks before it reads the chain. */
    commitments: CommitmentIndex;
    /** The round state machine. */
    rounds: RoundStateMachine;
    /** The rounds queue's job handlers (run by the worker in server.ts). */
    roundJobs: RoundJobHandlers;
    /**
     * Chain events in (one watcher range, in chain order): record the commitments, tell each task's room of each
     * event, then advance each task's state machine once (a reconcile reads the task's state from the chain, so once
     * per range is enough).
     */
    onChainEvents(events: ChainEvent[]): Promise<void>;
  }
}

/**
 * Rounds: upload records, the state machine, the round jobs and the chain-event-to-socket relay, wired to the
 * coordinator's Redis, store, chain, queues and socket.io.
 */
export default fp<{ config: CoordinatorConfig }>(
  async (app, { config }) => {
    const documents = new DurableDocuments(app.store);
    const log = app.log.child({ component: 'rounds' }) as unknown as Logger;
    const uploads = new UploadRegistry(app.redis, config.redis.keyPrefix, documents);
    const machine = new RoundStateMachine({
      config,
      chain: app.chain,
      producer: app.queues,
      uploads,
      reopens: new ReopenBudget(documents, config.rounds.maxReopens),
      events: app.events,
      metrics: app.metrics,
      redis: app.redis,
      log,
    });
    const relay = new ChainEventRelay({ events: app.events, config });
    const commitments = new CommitmentIndex(app.redis, config.redis.keyPrefix);
    app.decorate('uploads', uploads);
    app.decorate('commitments', commitments);
    app.decorate('rounds', machine);
    app.decorate('roundJobs', new RoundJobHandlers({ chain: app.chain, machine, events: app.events, metrics: app.metrics, log }));
    app.decorate('onChainEvents', async (events: ChainEvent[]) => {
      // First: when it fails nothing was announced yet, and the watcher hands the same range over again.
      await commitments.record(events);
      const tasks = new Set<bigint>();
      for (const event of events) {
        app.metrics.roundEvents.inc({ event: event.name });
        relay.relay(event);
        log.info({ taskId: String(event.taskId), round: Number(event.round), event: event.name }, 'chain: event');
        tasks.add(event.taskId);
      }
      // Before: one reconcile per event, each a few chain reads, so ten commits mined together held the watcher
      // (and every later event, e.g. RoundFinalized) for ten reconciles.
      for (const taskId of tasks) await machine.reconcile(taskId);
    });
  },
  { name: 'cloister-rounds', dependencies: ['cloister-redis', 'cloister-store', 'cloister-chain', 'cloister-queues', 'cloister-socket', 'cloister-metrics'] },
);
