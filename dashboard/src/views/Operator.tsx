// The operator's view: health of the coordinator, Redis, chain and store (/ready), the aggregator (workers on the
// aggregation queue), queue depths, uploads per current round, and rounds that stopped moving shown as stalled.
import { useEffect, useState } from 'preact/hooks';
import { ScrollTable } from '../components/ScrollTable';
import { Badge, ErrorNote } from '../components/Status';
import { relativeTime, roundStateName, roundStateWords } from '../format';
import type { RoundEvent } from '../live/socket';
import { coordinatorJson, CoordinatorRequestError } from '../network';

type Ready = { status: 'ready'; redis: boolean; chain: boolean; store: boolean; block: number };
type Operations = {
  queues: Record<string, Record<string, number>>;
  aggregatorWorkers: number;
  chainTime: number;
  rounds: { taskId: string; round: number; state: number; deadline: number; committed: number; uploads: number }[];
};

/** The BullMQ job states the queue table shows, in this order. */
const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'];

/** An open round this long past its deadline, or a closed one this long without a result, has stopped moving. */
export const STALLED_AFTER_SECONDS = { open: 120, closed: 600 } as const;

export function stalledReason(r: Operations['rounds'][number], chainTime: number, pushed: RoundEvent | undefined): string | null {
  if (pushed?.status === 'stalled') return pushed.reason ?? 'the coordinator reports the task stalled';
  const state = roundStateName(r.state);
  if (state === 'Open' && chainTime > r.deadline + STALLED_AFTER_SECONDS.open) return 'open long past its deadline: the coordinator is not closing it';
  if (state === 'Closed' && chainTime > r.deadline + STALLED_AFTER_SECONDS.closed) return 'closed but not finalized: aggregation has not finished';
  return null;
}

export function OperatorView({ version, taskStatus }: { version: number; taskStatus: Map<string, RoundEvent> }) {
  const [ready, setReady] = useState<{ ok: boolean; body: Ready | null; message?: string } | null>(null);
  const [ops, setOps] = useState<Operations | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);

  // Queue depths and health are not round events: refreshed every 5 s while this view is shown.
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 5000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    let cancelled = false;
    coordinatorJson<Ready>('/ready').then(
      (body) => !cancelled && setReady({ ok: true, body }),
      (e: unknown) => !cancelled && setReady({ ok: false, body: null, message: e instanceof CoordinatorRequestError ? e.message : String(e) }),
    );
    coordinatorJson<Operations>('/v1/operations').then(
      (body) => {
        if (cancelled) return;
        setOps(body);
        setError(null);
      },
      (e: unknown) => !cancelled && setError(e),
    );
    return () => {
      cancelled = true;
    };
  }, [version, tick]);

  const aggregation = ops?.queues['cloister-aggregation'];
  return (
    <section aria-labelledby="ops-heading">
      <h2 id="ops-heading">Operator</h2>
      <ul class="health" aria-label="Health">
        <li class="card">
          <h3>Coordinator</h3>
          <span data-health="coordinator">{ready === null ? <Badge tone="neutral">checking…</Badge> : ready.ok ? <Badge tone="ok">ready</Badge> : <Badge tone="bad">not ready: {ready.message}</Badge>}</span>
          {ready?.body && <p class="muted">chain block {ready.body.block}</p>}
        </li>
        <li class="card">
          <h3>Redis</h3>
          {ready === null ? <Badge tone="neutral">checking…</Badge> : ready.body?.redis ? <Badge tone="ok">reachable</Badge> : <Badge tone="bad">unreachable</Badge>}
        </li>
        <li class="card">
          <h3>Chain and store</h3>
          {ready === null ? (
            <Badge tone="neutral">checking…</Badge>
          ) : ready.body ? (
            <Badge tone="ok">reachable</Badge>
          ) : (
            <Badge tone="bad">check the coordinator’s logs</Badge>
          )}
        </li>
        <li class="card">
          <h3>Aggregator</h3>
          {ops === null ? (
            <Badge tone="neutral">checking…</Badge>
          ) : ops.aggregatorWorkers > 0 ? (
            <Badge tone="ok">
              {ops.aggregatorWorkers} worker{ops.aggregatorWorkers === 1 ? '' : 's'} on the queue
            </Badge>
          ) : (
            <Badge tone="bad">no worker consuming aggregation jobs</Badge>
          )}
          {aggregation && (aggregation.failed ?? 0) > 0 && <p class="muted">{aggregation.failed} failed jobs kept for inspection</p>}
        </li>
      </ul>
      <ErrorNote error={error} />
      {ops && (
        <>
          <h3>Queues</h3>
          <ScrollTable columns={['Queue', ...JOB_STATES]}>
            {Object.entries(ops.queues).map(([name, counts]) => (
              <tr key={name}>
                <th scope="row" class="mono">
                  {name}
                </th>
                {JOB_STATES.map((s) => (
                  <td key={s}>{counts[s] ?? 0}</td>
                ))}
              </tr>
            ))}
          </ScrollTable>
          <h3>Current rounds</h3>
          {ops.rounds.length === 0 ? (
            <p class="muted">No round open.</p>
          ) : (
            <ScrollTable columns={['Task', 'Round', 'State', 'Uploads / committed', 'Deadline']}>
              {ops.rounds.map((r) => {
                const stalled = stalledReason(r, ops.chainTime, taskStatus.get(r.taskId));
                return (
                  <tr key={`${r.taskId}-${r.round}`}>
                    <td>#{r.taskId}</td>
                    <td>{r.round}</td>
                    <td>{stalled ? <Badge tone="bad">stalled: {stalled}</Badge> : <Badge tone="info">{roundStateWords(r.state)}</Badge>}</td>
                    <td>
                      {r.uploads} / {r.committed}
                    </td>
                    <td>{roundStateName(r.state) === 'Open' ? relativeTime(r.deadline, ops.chainTime) : '—'}</td>
                  </tr>
                );
              })}
            </ScrollTable>
          )}
        </>
      )}
    </section>
  );
}
