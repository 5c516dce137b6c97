// Tasks, each task's rounds as a timeline (state, deadline), who committed, who was included or excluded and why,
// the federated metrics per round as charts, and model hashes checked against the chain in this browser.
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Address, Hex } from 'viem';
import { abis, SCORE_TOTAL } from 'virtual:cloister-contracts';

import { readCommitted, readParticipantNames, readRounds, type Round, type Task } from '../chain/reads';
import { readRoundMetrics, verifyBlob, type RoundMetrics, type Verification } from '../chain/verify';
import { LineChart, type Series } from '../components/LineChart';
import { Badge, ErrorNote, type Tone } from '../components/Status';
import { failureWords, formatAmount, formatDuration, formatScore, formatTime, reasonWords, relativeTime, roundStateName, roundStateWords, shortAddress, shortHash } from '../format';
import type { Connection } from '../network';
import type { RoundEvent } from '../live/socket';
import { contractSignIn, type Wallet } from '../wallet/wallet';
import { runAction, useLoad } from './asyncState';

type RoundDetail = Round & { committed: readonly string[]; metrics: RoundMetrics | null; metricsStatus: string };
/** A participant's outcome in a round, as the contract keeps it (confidential: read with a member's SiweAuth token). */
type Outcome = { included: boolean; reason: number; score: number };
type Outcomes = Map<number, Map<string, Outcome>>;

const STATE_TONE: Record<string, Tone> = { Open: 'info', Closed: 'warn', Failed: 'bad', Finalized: 'info', Accepted: 'ok', Rejected: 'bad' };

export function TasksView({
  c,
  tasks,
  versions,
  now,
  wallet,
  taskStatus,
}: {
  c: Connection;
  tasks: Task[];
  versions: Map<string, number>;
  now: number;
  wallet: Wallet | null;
  taskStatus: Map<string, RoundEvent>;
}) {
  const [selected, setSelected] = useState<string | null>(null);
  const taskId = selected ?? (tasks.length > 0 ? tasks[tasks.length - 1]!.taskId.toString() : null);
  const task = tasks.find((t) => t.taskId.toString() === taskId);
  return (
    <section aria-labelledby="tasks-heading">
      <h2 id="tasks-heading">Tasks</h2>
      {tasks.length === 0 ? (
        <p class="muted">No task on chain yet. Governance creates tasks through a proposal.</p>
      ) : (
        <ul class="task-list" aria-label="Tasks on chain">
          {[...tasks].reverse().map((t) => (
            <li key={t.taskId.toString()}>
              <button
                type="button"
                class={`task-chip${t.taskId.toString() === taskId ? ' selected' : ''}`}
                aria-pressed={t.taskId.toString() === taskId}
                onClick={() => setSelected(t.taskId.toString())}
              >
                <strong>Task #{t.taskId.toString()}</strong>
                <span>
                  round {t.currentRound.toString()} of {t.params.numRounds}
                  {t.cancelled ? ' · cancelled' : ''}
                </span>
                {taskStatus.get(t.taskId.toString())?.status === 'stalled' && <Badge tone="bad">stalled</Badge>}
              </button>
            </li>
          ))}
        </ul>
      )}
      {task && taskStatus.get(taskId!)?.status === 'stalled' && (
        <p class="error" role="alert">
          Task #{taskId} is stalled{taskStatus.get(taskId!)!.reason ? `: ${taskStatus.get(taskId!)!.reason}` : ''}. An operator or governance must act (see the Operator view).
        </p>
      )}
      {task && <TaskDetail key={taskId} c={c} task={task} version={versions.get(taskId!) ?? 0} now={now} wallet={wallet} />}
    </section>
  );
}

function TaskDetail({ c, task, version, now, wallet }: { c: Connection; task: Task; version: number; now: number; wallet: Wallet | null }) {
  const [rounds, setRounds] = useState<RoundDetail[]>([]);
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [memberToken, setMemberToken] = useState<{ account: string; token: Hex } | null>(null);
  const [outcomes, setOutcomes] = useState<Outcomes | null>(null);
  const [signingIn, setSigningIn] = useState(false);
  const token = memberToken && wallet && memberToken.account === wallet.address ? memberToken.token : null;

  // Each participant's outcome: only governance members (and each participant, for itself) may read it.
  useLoad(
    async (current) => {
      if (!token) return setOutcomes(null);
      const vault = { address: c.network.contracts.rewardVault!, abi: abis.RewardVault };
      const all: Outcomes = new Map();
      for (const r of rounds.filter((x) => x.state >= 4)) {
        const list = await Promise.all(
          r.committed.map(
            (p) => c.client.readContract({ ...vault, functionName: 'scoreOfParticipant', args: [token, task.taskId, BigInt(r.round), p as Address] }) as Promise<readonly [boolean, boolean, number, number, bigint]>,
          ),
        );
        all.set(r.round, new Map(r.committed.map((p, i) => [p.toLowerCase(), { included: list[i]![1], reason: Number(list[i]![2]), score: Number(list[i]![3]) }])));
      }
      if (current()) setOutcomes(all);
    },
    setError,
    [c, task, rounds, token],
  );

  // The button calls this as `void memberSignIn()` (see runAction).
  async function memberSignIn() {
    if (!wallet) return;
    await runAction(setSigningIn, setError, async () => setMemberToken({ account: wallet.address, token: await contractSignIn(c, wallet) }));
  }
  useLoad(
    async (current) => {
      const [list, participantNames] = await Promise.all([readRounds(c, task), readParticipantNames(c, task.taskId)]);
      const details = await Promise.all(
        list.map(async (r) => {
          const committed = await readCommitted(c, task.taskId, r.round);
          const hasMetrics = r.metricsHash !== `0x${'0'.repeat(64)}`;
          const m = hasMetrics ? await readRoundMetrics(r.metricsHash).catch(() => ({ metrics: null, status: 'missing' as const })) : { metrics: null, status: 'none' };
          return { ...r, committed, metrics: m.metrics, metricsStatus: m.status };
        }),
      );
      if (current()) {
        setRounds(details);
        setNames(participantNames);
        setError(null);
      }
    },
    setError,
    [c, task, version],
  );

  const nameOf = (a: string) => names.get(a.toLowerCase()) ?? shortAddress(a);
  const charts = useMemo(() => metricSeries(rounds), [rounds]);
  const p = task.params;
  return (
    <div class="task-detail">
      <div class="facts">
        <div>
          <span class="label">Rounds</span> {task.currentRound.toString()} opened of {p.numRounds}, {task.acceptedRounds} accepted
        </div>
        <div>
          <span class="label">Participants</span> {p.minParticipants}–{p.maxParticipants} per round, {names.size} admitted
        </div>
        <div>
          <span class="label">Round length</span> {formatDuration(Number(p.roundDuration))}
        </div>
        <div>
          <span class="label">Reward</span> {formatAmount(p.rewardPerRound, c.network.token)} per round
        </div>
        <div>
          <span class="label">Current model</span> <ModelHash hash={task.currentModelHash} />
        </div>
      </div>
      <ErrorNote error={error} />
      <div class="charts">
        <LineChart title="Accuracy" series={charts.accuracy} color="#0b6e4f" />
        <LineChart title="Loss" series={charts.loss} color="#a23b12" />
        <LineChart
          title="DP epsilon spent"
          series={charts.epsilon}
          color="#4b3ba2"
          empty={rounds.some((r) => r.metrics) && rounds.every((r) => !r.metrics || !r.metrics.dp) ? 'This task adds no differential-privacy noise.' : 'No figures yet.'}
        />
      </div>
      <div class="round-head timeline-head">
        <h3>Round timeline</h3>
        {wallet && !token && rounds.some((r) => r.state >= 4) && (
          <button type="button" disabled={signingIn} onClick={() => void memberSignIn()}>
            {signingIn ? 'Signing in…' : 'Show each participant’s outcome (governance members)'}
          </button>
        )}
      </div>
      {rounds.length === 0 ? (
        <p class="muted">No round opened yet.</p>
      ) : (
        <ol class="timeline" aria-label={`Rounds of task ${task.taskId.toString()}`}>
          {[...rounds].reverse().map((r) => (
            <RoundItem key={r.round} r={r} now={now} nameOf={nameOf} outcomes={outcomes?.get(r.round) ?? null} />
          ))}
        </ol>
      )}
    </div>
  );
}

function RoundItem({ r, now, nameOf, outcomes }: { r: RoundDetail; now: number; nameOf: (a: string) => string; outcomes: Map<string, Outcome> | null }) {
  const state = roundStateName(r.state);
  const m = r.metrics;
  // Per participant: the contract's confidential outcome when a member signed in, else an older public document's lists.
  const excluded = new Map(outcomes ? [...outcomes].filter(([, o]) => !o.included && o.reason > 0).map(([p, o]) => [p, o.reason]) : Array.isArray(m?.excluded) ? m.excluded.map((e) => [e.participant.toLowerCase(), e.reason]) : []);
  const included = new Set(outcomes ? [...outcomes].filter(([, o]) => o.included).map(([p]) => p) : Array.isArray(m?.included) ? m.included.map((e) => e.participant.toLowerCase()) : []);
  const finalized = r.state >= 4 || m !== null;
  const reasons = exclusionSummary(m);
  return (
    <li class={`round round-${state.toLowerCase()}`} data-round={r.round} data-state={state}>
      <div class="round-head">
        <h4>Round {r.round}</h4>
        <Badge tone={STATE_TONE[state] ?? 'neutral'}>{roundStateWords(r.state)}</Badge>
        {r.attempt > 1 && <span class="muted">opening {r.attempt}</span>}
      </div>
      <dl class="round-facts">
        <dt>Opened</dt>
        <dd>{formatTime(Number(r.openedAt))}</dd>
        <dt>Deadline</dt>
        <dd>
          {formatTime(Number(r.deadline))} <span class="muted">({relativeTime(Number(r.deadline), now)})</span>
        </dd>
        <dt>Committed</dt>
        <dd>{r.committedCount}</dd>
        {state === 'Failed' && r.failureReason ? (
          <>
            <dt>Why</dt>
            <dd>
              <Badge tone="bad">{failureWords(r.failureReason)}</Badge>
            </dd>
          </>
        ) : null}
        {state === 'Closed' && (r.reportedCount ?? 0) > 0 && (
          <>
            <dt>Finalizing</dt>
            <dd>
              outcomes of {r.reportedCount} of {r.committedCount} participants reported
            </dd>
          </>
        )}
        {state === 'Finalized' && (
          <>
            <dt>Challenge ends</dt>
            <dd>
              {formatTime(Number(r.challengeEndsAt))} <span class="muted">({relativeTime(Number(r.challengeEndsAt), now)}; governance may reject it until then)</span>
            </dd>
          </>
        )}
        {finalized && (
          <>
            <dt>Included</dt>
            <dd>{r.includedCount}</dd>
            {reasons.length > 0 && (
              <>
                <dt>Excluded</dt>
                <dd>
                  <ul class="reasons">
                    {reasons.map(([reason, count]) => (
                      <li key={reason}>
                        <Badge tone="bad">
                          {count} {count === 1 ? 'participant' : 'participants'}: {reasonWords(reason)}
                        </Badge>
                      </li>
                    ))}
                  </ul>
                </dd>
              </>
            )}
            <dt>Model</dt>
            <dd>
              <ModelHash hash={r.modelHash} />
            </dd>
            <dt>Metrics</dt>
            <dd>
              {r.metrics ? (
                <Badge tone="ok" title={`sha256 ${r.metricsHash}`}>
                  verified against chain
                </Badge>
              ) : (
                <Badge tone="warn">{r.metricsStatus === 'mismatch' ? 'does NOT match the chain' : 'not published'}</Badge>
              )}
            </dd>
          </>
        )}
      </dl>
      {r.committed.length > 0 && (
        <table class="participants">
          <caption class="visually-hidden">Participants of round {r.round}</caption>
          <thead>
            <tr>
              <th scope="col">Participant</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {r.committed.map((a) => {
              const key = a.toLowerCase();
              const reason = excluded.get(key);
              return (
                <tr key={a}>
                  <td>
                    {nameOf(a)} <span class="muted mono">{shortAddress(a)}</span>
                  </td>
                  <td>
                    {reason !== undefined ? (
                      <Badge tone="bad">excluded: {reasonWords(reason)}</Badge>
                    ) : included.has(key) ? (
                      <Badge tone="ok">included{outcomes?.get(key) ? `, score ${formatScore(outcomes.get(key)!.score, SCORE_TOTAL)}` : ''}</Badge>
                    ) : (
                      <Badge tone="neutral">committed</Badge>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </li>
  );
}

/** A model hash with its mark: the blob under that hash was fetched and hashed in this browser. */
export function ModelHash({ hash }: { hash: string }) {
  const [v, setV] = useState<Verification | null>(null);
  const zero = /^0x0*$/.test(hash);
  useEffect(() => {
    if (zero) return;
    let cancelled = false;
    verifyBlob(hash).then(
      (result) => !cancelled && setV(result),
      () => !cancelled && setV({ status: 'missing' }),
    );
    return () => {
      cancelled = true;
    };
  }, [hash, zero]);
  if (zero) return <span class="muted">none yet</span>;
  return (
    <span class="hash">
      <code title={hash}>{shortHash(hash)}</code>{' '}
      {v === null ? (
        <Badge tone="neutral">checking…</Badge>
      ) : v.status === 'verified' ? (
        <Badge tone="ok" title="the stored model hashes to the on-chain hash">
          verified against chain
        </Badge>
      ) : v.status === 'too-large' ? (
        <Badge tone="neutral">not checked ({Math.round(v.size / 1e6)} MB)</Badge>
      ) : v.status === 'mismatch' ? (
        <Badge tone="bad">does NOT match the chain</Badge>
      ) : (
        <Badge tone="warn">not in the coordinator’s store</Badge>
      )}
    </span>
  );
}

/** [reason code, count] of a round's exclusions, from whichever form the published document has. */
function exclusionSummary(m: RoundMetrics | null): [number, number][] {
  if (!m) return [];
  if (m.exclusionsByReason) return Object.entries(m.exclusionsByReason).map(([reason, count]) => [Number(reason), count] as [number, number]).filter(([, n]) => n > 0);
  if (Array.isArray(m.excluded)) {
    const counts = new Map<number, number>();
    for (const e of m.excluded) counts.set(e.reason, (counts.get(e.reason) ?? 0) + 1);
    return [...counts];
  }
  return [];
}

function pick(metrics: Record<string, number> | undefined, pattern: RegExp): number | undefined {
  if (!metrics) return undefined;
  const key = Object.keys(metrics).find((k) => pattern.test(k));
  return key === undefined ? undefined : metrics[key];
}

function metricSeries(rounds: RoundDetail[]): { accuracy: Series; loss: Series; epsilon: Series } {
  const finalized = rounds.filter((r) => r.metrics);
  const points = (value: (m: RoundMetrics) => number | undefined) =>
    finalized.flatMap((r) => {
      const v = value(r.metrics!);
      return v === undefined || !Number.isFinite(v) ? [] : [{ round: r.round, value: v }];
    });
  return {
    accuracy: { label: 'accuracy', points: points((m) => pick(m.participantMetrics, /^(val_?)?acc(uracy)?$/i) ?? pick(m.participantMetrics, /acc/i) ?? pick(m.validation ?? undefined, /acc/i)), format: (v) => `${Math.round(v * 1000) / 10} %` },
    loss: { label: 'loss', points: points((m) => pick(m.participantMetrics, /^(val_?)?loss$/i) ?? pick(m.participantMetrics, /loss/i) ?? pick(m.validation ?? undefined, /loss/i)), format: (v) => v.toFixed(3) },
    epsilon: { label: 'ε', points: points((m) => m.dp?.epsilon), format: (v) => v.toFixed(2) },
  };
}

