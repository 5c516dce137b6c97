import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export class CoordinatorMetrics {
  readonly registry = new Registry();
  readonly uploads = new Counter({ name: 'cloister_uploads_total', help: 'Accepted update uploads', labelNames: ['duplicate'], registers: [this.registry] });
  readonly uploadBytes = new Counter({ name: 'cloister_upload_bytes_total', help: 'Bytes of accepted update uploads', registers: [this.registry] });
  readonly uploadSeconds = new Histogram({
    name: 'cloister_upload_duration_seconds',
    help: 'Time to receive, hash, verify and store an update',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly rejections = new Counter({ name: 'cloister_rejections_total', help: 'Requests rejected, by error code', labelNames: ['code'], registers: [this.registry] });
  readonly roundEvents = new Counter({ name: 'cloister_round_events_total', help: 'Round events seen on chain', labelNames: ['event'], registers: [this.registry] });
  readonly roundActions = new Counter({ name: 'cloister_round_actions_total', help: 'Round transactions and jobs issued', labelNames: ['action', 'result'], registers: [this.registry] });
  readonly stalledTasks = new Gauge({
    name: 'cloister_task_stalled',
    help: 'Tasks whose current round failed or was rejected with the reopen budget spent (1 per stalled task; an operator must act)',
    labelNames: ['taskId'],
    registers: [this.registry],
  });
  readonly lastBlock = new Gauge({ name: 'cloister_chain_last_processed_block', help: 'Last block the watcher processed', registers: [this.registry] });
  private depthSource: (() => Promise<Record<string, Record<string, number>>>) | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cloister_' });
    const depth = () => this.depthSource;
    new Gauge({
      name: 'cloister_queue_depth',
      help: 'Jobs per BullMQ queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        const source = depth();
        if (!source) return;
        const depths = await source().catch(() => ({}) as Record<string, Record<string, number>>);
        for (const [queue, counts] of Object.entries(depths)) {
          for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
        }
      },
    });
  }

  setQueueDepthSource(source: () => Promise<Record<string, Record<string, number>>>): void {
    this.depthSource = source;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: CoordinatorMetrics;
  }
}

export default fp(
  async (app) => {
    app.decorate('metrics', new CoordinatorMetrics());
  },
  { name: 'cloister-metrics' },
);
