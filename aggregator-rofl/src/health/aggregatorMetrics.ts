// The aggregator's Prometheus metrics (prom-client): jobs by outcome, job durations, exclusions by reason, round
// failures by reason, stalled jobs taken over, and the active job's age (so a frozen job shows as a growing age,
// not as a frozen "active 1").
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EXCLUSION_REASON } from '@cloister/protocol';

/** EXCLUSION_REASON code → name, for the `reason` label. */
const EXCLUSION_NAMES = new Map<number, string>(Object.entries(EXCLUSION_REASON).map(([name, code]) => [code, name]));

export class AggregatorMetrics {
  readonly registry = new Registry();
  readonly jobs = this.counter(
    'cloister_aggregator_jobs_total',
    'Aggregation jobs by outcome (finalized, failed, already-finalized, already-ended, error)',
    'status',
  );
  readonly jobSeconds = new Histogram({
    name: 'cloister_aggregator_job_duration_seconds',
    help: 'Time from a job becoming active in this worker to its end, by outcome',
    labelNames: ['status'],
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly exclusions = this.counter('cloister_aggregator_exclusions_total', 'Committed updates left out of an aggregate, by EXCLUSION_REASON', 'reason');
  readonly roundFailures = this.counter('cloister_aggregator_round_failures_total', 'Rounds this aggregator failed on chain, by ROUND_FAILURE_REASON', 'reason');
  readonly stalled = this.counter(
    'cloister_aggregator_jobs_stalled_total',
    'Jobs found stalled (their worker died or lost its lock): detected by this worker\'s check, or taken over by it',
    'event',
  );
  readonly active = new Gauge({ name: 'cloister_aggregator_jobs_active', help: 'Jobs this worker is processing now', registers: [this.registry] });
  private activeSince: number | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'cloister_aggregator_' });
    const since = () => this.activeSince;
    new Gauge({
      name: 'cloister_aggregator_active_job_age_seconds',
      help: 'Age of the job this worker is processing, since it was enqueued (0 when idle)',
      registers: [this.registry],
      collect() {
        const start = since();
        this.set(start === null ? 0 : (Date.now() - start) / 1000);
      },
    });
  }

  /** A counter with one label, on this registry. */
  private counter<L extends string>(name: string, help: string, label: L): Counter<L> {
    return new Counter({ name, help, labelNames: [label], registers: [this.registry] });
  }

  /** A job became active; `enqueuedAt` is its BullMQ timestamp (ms). */
  jobStarted(enqueuedAt: number): void {
    this.active.set(1);
    this.activeSince = enqueuedAt;
  }

  jobEnded(status: string, seconds: number, excludedReasons: readonly number[] = []): void {
    this.active.set(0);
    this.activeSince = null;
    this.jobs.inc({ status });
    this.jobSeconds.observe({ status }, seconds);
    for (const reason of excludedReasons) this.exclusions.inc({ reason: EXCLUSION_NAMES.get(reason) ?? String(reason) });
  }
}
