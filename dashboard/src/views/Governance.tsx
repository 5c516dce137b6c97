// Proposals with their calldata in plain words, votes, quorum and deadline; vote and execute from the member's
// own wallet.
import { useState } from 'preact/hooks';
import { abis } from 'virtual:cloister-contracts';
import { decodeProposal } from '../chain/decode';
import { hasVoted, PROPOSAL_STATE_WORDS, readGovernance, type Governance, type Proposal } from '../chain/reads';
import { Badge, ErrorNote } from '../components/Status';
import { formatAmount, formatDuration, formatTime, relativeTime, shortAddress } from '../format';
import type { Connection } from '../network';
import { runAction, useLoad } from './asyncState';
import { sendAndWait, type Wallet } from '../wallet/wallet';

export function GovernanceView({ c, wallet, version, now, onChanged }: { c: Connection; wallet: Wallet | null; version: number; now: number; onChanged: () => void }) {
  const [gov, setGov] = useState<Governance | null>(null);
  const [voted, setVoted] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useLoad(
    async (current) => {
      const g = await readGovernance(c);
      const mine = new Set<string>();
      if (wallet) {
        const flags = await Promise.all(g.proposals.map((p) => hasVoted(c, p.proposalId, wallet.address)));
        g.proposals.forEach((p, i) => flags[i] && mine.add(p.proposalId.toString()));
      }
      if (current()) {
        setGov(g);
        setVoted(mine);
      }
    },
    setError,
    [c, wallet, version],
  );

  const isMember = wallet !== null && gov !== null && gov.members.some((m) => m.toLowerCase() === wallet.address.toLowerCase());

  // Buttons call this as `void act(…)` (see runAction).
  async function act(p: Proposal, action: 'yes' | 'no' | 'execute') {
    if (!wallet) return;
    await runAction((on) => setBusy(on ? `${p.proposalId}-${action}` : null), setError, async () => {
      setNotice(null);
      const gov = { address: c.network.contracts.governance!, abi: abis.CloisterGovernance };
      if (action === 'execute') await sendAndWait(c, wallet, { ...gov, functionName: 'execute', args: [p.proposalId] });
      else await sendAndWait(c, wallet, { ...gov, functionName: 'vote', args: [p.proposalId, action === 'yes'] });
      setNotice(action === 'execute' ? `Proposal ${p.proposalId} executed.` : `Your ${action} vote on proposal ${p.proposalId} is recorded.`);
      onChanged();
    });
  }

  return (
    <section aria-labelledby="gov-heading">
      <h2 id="gov-heading">Governance</h2>
      {gov && (
        <div class="facts">
          <div>
            <span class="label">Members</span> {gov.members.length}
          </div>
          <div>
            <span class="label">Quorum</span> {gov.quorum.toString()} yes votes
          </div>
          <div>
            <span class="label">Voting period</span> {formatDuration(Number(gov.votingPeriod))}
          </div>
          <div>
            <span class="label">You</span>{' '}
            {wallet ? (isMember ? <Badge tone="ok">member {shortAddress(wallet.address)}</Badge> : <Badge tone="neutral">not a member</Badge>) : 'connect your wallet to vote'}
          </div>
        </div>
      )}
      <ErrorNote error={error} />
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {gov?.proposals.length === 0 && <p class="muted">No proposals yet.</p>}
      <ul class="proposals">
        {gov?.proposals.map((p) => {
          const decoded = decodeProposal(c.network, p.target, p.data, p.value);
          const id = p.proposalId.toString();
          const active = p.state === 1;
          const open = active && Number(p.votingEndsAt) > now;
          return (
            <li key={id} class="proposal card" data-proposal={id}>
              <div class="round-head">
                <h3>Proposal {id}</h3>
                <Badge tone={p.state === 2 ? 'ok' : p.state === 3 ? 'bad' : p.passed ? 'ok' : 'info'}>
                  {active && p.passed ? 'passed, ready to execute' : PROPOSAL_STATE_WORDS[p.state]}
                </Badge>
              </div>
              <p class="words">{decoded.words}</p>
              {p.description && <p class="muted">“{p.description}”</p>}
              <dl class="round-facts">
                <dt>Call</dt>
                <dd>
                  <code>
                    {decoded.contract}.{decoded.call}
                  </code>
                  {p.value > 0n ? ` with ${formatAmount(p.value, c.network.token)}` : ''}
                </dd>
                {decoded.details.map(([k, v]) => (
                  <>
                    <dt>{k}</dt>
                    <dd class="mono">{v}</dd>
                  </>
                ))}
                <dt>Votes</dt>
                <dd>
                  <span class="votes">
                    {p.yesVotes} yes · {p.noVotes} no
                  </span>{' '}
                  <span class="muted">(quorum {gov.quorum.toString()})</span>
                  <meter min={0} max={Number(gov.quorum)} value={p.yesVotes} aria-label={`yes votes of proposal ${id} towards the quorum`} />
                  {(gov.votes.get(id) ?? []).length > 0 && (
                    <span class="voters">
                      {gov.votes.get(id)!.map((v) => (
                        <span key={v.member} class="mono">
                          {shortAddress(v.member)} {v.support ? 'yes' : 'no'}
                          {wallet && v.member.toLowerCase() === wallet.address.toLowerCase() ? ' (you)' : ''}
                        </span>
                      ))}
                    </span>
                  )}
                </dd>
                <dt>Deadline</dt>
                <dd>
                  {formatTime(Number(p.votingEndsAt))} <span class="muted">({active ? relativeTime(Number(p.votingEndsAt), now) : 'voting over'})</span>
                </dd>
                <dt>Proposer</dt>
                <dd class="mono">{shortAddress(p.proposer)}</dd>
              </dl>
              {wallet && active && (
                <div class="actions">
                  {!isMember ? null : voted.has(id) ? (
                    <Badge tone="ok">you voted</Badge>
                  ) : (
                    open && (
                      <>
                        <button type="button" class="primary" disabled={busy !== null} onClick={() => void act(p, 'yes')}>
                          {busy === `${id}-yes` ? 'Voting…' : `Vote yes on proposal ${id}`}
                        </button>
                        <button type="button" disabled={busy !== null} onClick={() => void act(p, 'no')}>
                          {busy === `${id}-no` ? 'Voting…' : `Vote no on proposal ${id}`}
                        </button>
                      </>
                    )
                  )}
                  {p.passed && (
                    <button type="button" class="primary" disabled={busy !== null} onClick={() => void act(p, 'execute')}>
                      {busy === `${id}-execute` ? 'Executing…' : `Execute proposal ${id}`}
                    </button>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
