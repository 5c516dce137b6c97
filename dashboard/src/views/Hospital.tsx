// A hospital signs in with its wallet (the coordinator's session and the RewardVault's SiweAuth token), sees its
// own scores per round (confidential: read with its token) and its claimable reward, and claims it.
import { useEffect, useState } from 'preact/hooks';
import type { Hex } from 'viem';
import { abis, SCORE_TOTAL } from 'virtual:cloister-contracts';
import { isAdmitted, type Task } from '../chain/reads';
import { ScrollTable } from '../components/ScrollTable';
import { Badge, ErrorNote } from '../components/Status';
import { formatAmount, formatScore, formatTime, reasonWords, shortAddress } from '../format';
import type { Connection } from '../network';
import { contractSignIn, coordinatorSignIn, sendAndWait, type Wallet } from '../wallet/wallet';
import { runAction, useLoad } from './asyncState';

type Score = { taskId: bigint; round: number; included: boolean; reason: number; score: number; reward: bigint };
type Session = { coordinator: { token: string; expiresAt: number }; contractToken: Hex };

export function HospitalView({ c, wallet, tasks, version, onConnect }: { c: Connection; wallet: Wallet | null; tasks: Task[]; version: number; onConnect: () => void }) {
  const [session, setSession] = useState<Session | null>(null);
  const [scores, setScores] = useState<Score[] | null>(null);
  const [pending, setPending] = useState<bigint | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'signin' | 'claim' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => setSession(null), [wallet?.address]);

  useLoad(
    async (current) => {
      if (!session || !wallet) return;
      const vault = { address: c.network.contracts.rewardVault!, abi: abis.RewardVault };
      const mine: Score[] = [];
      for (const task of tasks) {
        if (!(await isAdmitted(c, task.taskId, wallet.address))) continue;
        const rounds = Array.from({ length: Number(task.currentRound) }, (_, i) => i + 1);
        const outcomes = await Promise.all(
          rounds.map((r) => c.client.readContract({ ...vault, functionName: 'scoreOf', args: [session.contractToken, task.taskId, BigInt(r)] }) as Promise<readonly [boolean, number, number, bigint]>),
        );
        outcomes.forEach(([included, reason, score, reward], i) => mine.push({ taskId: task.taskId, round: rounds[i]!, included, reason: Number(reason), score: Number(score), reward }));
      }
      const owed = (await c.client.readContract({ ...vault, functionName: 'pendingRewardOf', args: [session.contractToken] })) as bigint;
      if (current()) {
        setScores(mine);
        setPending(owed);
      }
    },
    setError,
    [c, wallet, session, tasks, version, refresh],
  );

  // Buttons call signIn and claim as `void …()` (see runAction).
  async function signIn() {
    if (!wallet) return;
    await runAction((on) => setBusy(on ? 'signin' : null), setError, async () => {
      const coordinator = await coordinatorSignIn(wallet);
      const contractToken = await contractSignIn(c, wallet);
      setSession({ coordinator, contractToken });
    });
  }

  async function claim() {
    if (!wallet || pending === null) return;
    await runAction((on) => setBusy(on ? 'claim' : null), setError, async () => {
      setNotice(null);
      await sendAndWait(c, wallet, { address: c.network.contracts.rewardVault!, abi: abis.RewardVault, functionName: 'claim' });
      setNotice(`Claimed ${formatAmount(pending, c.network.token, c.network.token.decimals)}; it is in your wallet.`);
      setRefresh((n) => n + 1);
    });
  }

  return (
    <section aria-labelledby="hospital-heading">
      <h2 id="hospital-heading">Hospital</h2>
      {!wallet ? (
        <div class="card">
          <p>Sign in with the wallet that holds your participant account to see your scores and rewards.</p>
          <button type="button" class="primary" onClick={onConnect}>
            Connect wallet
          </button>
        </div>
      ) : !session ? (
        <div class="card">
          <p>
            Signed-in reads are confidential: you sign two messages, one for the coordinator’s session and one for the RewardVault’s token (Sign-In with
            Ethereum). Nothing is sent on chain.
          </p>
          <button type="button" class="primary" disabled={busy !== null} onClick={() => void signIn()}>
            {busy === 'signin' ? 'Signing in…' : `Sign in as ${shortAddress(wallet.address)}`}
          </button>
        </div>
      ) : (
        <>
          <div class="facts">
            <div>
              <span class="label">Account</span> <span class="mono">{shortAddress(wallet.address)}</span>
            </div>
            <div>
              <span class="label">Coordinator session</span> <Badge tone="ok">signed in until {formatTime(Math.floor(session.coordinator.expiresAt / 1000))}</Badge>
            </div>
            <div>
              <span class="label">Contract token</span> <Badge tone="ok">valid for 24 h</Badge>
            </div>
          </div>
          <div class="card claim">
            <h3>Claimable reward</h3>
            <p class="amount" aria-live="polite">
              {pending === null ? '…' : formatAmount(pending, c.network.token, c.network.token.decimals)}
            </p>
            <button type="button" class="primary" disabled={busy !== null || !pending} onClick={() => void claim()}>
              {busy === 'claim' ? 'Claiming…' : 'Claim reward'}
            </button>
          </div>
        </>
      )}
      <ErrorNote error={error} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {scores && (
        <>
          <h3>Your scores per round</h3>
          {scores.length === 0 ? (
            <p class="muted">This account is not admitted to any task yet.</p>
          ) : (
            <ScrollTable class="scores" columns={['Task', 'Round', 'Outcome', 'Score', 'Reward']}>
              {scores.map((s) => (
                <tr key={`${s.taskId}-${s.round}`}>
                  <td>#{s.taskId.toString()}</td>
                  <td>{s.round}</td>
                  <td>{s.included ? <Badge tone="ok">included</Badge> : s.reason > 0 ? <Badge tone="bad">excluded: {reasonWords(s.reason)}</Badge> : <Badge tone="neutral">no outcome yet</Badge>}</td>
                  <td>{s.included ? formatScore(s.score, SCORE_TOTAL) : '—'}</td>
                  <td>{s.reward > 0n ? formatAmount(s.reward, c.network.token, c.network.token.decimals) : '—'}</td>
                </tr>
              ))}
            </ScrollTable>
          )}
        </>
      )}
    </section>
  );
}
