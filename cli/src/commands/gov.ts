// `cloister gov list|show|vote|execute`: governance members' commands (reuses infra's governance actions).
import { Command } from 'commander';
import { formatEther } from 'ethers';
import { execute, listProposals, vote } from '@cloister/infra/dist/governance/actions';
import { CliTaskFailedError, CliUsageError } from '../errors';
import { example, uint, withNetwork, type CommandEnv } from './shared';

export function govCommand(env: CommandEnv): Command {
  const gov = new Command('gov').description('governance: list proposals, vote, execute (a member key)').addHelpText('after', example('cloister gov list', 'cloister gov vote 1 2 --yes --key net/keys/member-2.key'));

  gov
    .command('list')
    .description('proposals with proposer, votes, quorum and deadline')
    .option('--from <id>', 'first proposal id (default 1)', uint)
    .addHelpText('after', example('cloister gov list'))
    .action(async (o: { from?: bigint }) => {
      const out = env.output();
      const r = await withNetwork(env, false, async (ctx) => {
        const [proposals, quorum, members] = await Promise.all([listProposals(ctx.contracts, ctx.connection.deployment, o.from ?? 1n), ctx.contracts.governance.quorum(), ctx.contracts.governance.members()]);
        return { quorum: Number(quorum), members: members.length, proposals };
      });
      out.result(r, () => {
        out.line(`${r.members} members, quorum ${r.quorum}; ${r.proposals.length} proposal(s)`);
        for (const p of r.proposals) {
          out.line(`#${p.id} ${p.state}${p.state === 'Active' && p.passed ? ' (passed: ready to execute)' : ''}  yes ${p.yes}/no ${p.no} of quorum ${r.quorum}  by ${p.proposer}  voting ends ${p.votingEndsAt.toISOString()}`);
          out.line(`    ${p.call}${p.value > 0n ? `  value ${formatEther(p.value)} ETH` : ''}  — ${p.description}`);
        }
      });
    });

  gov
    .command('vote <proposalIds...>')
    .description('vote yes (--yes) or no (--no) on one or more proposals')
    .option('--yes', 'vote for')
    .option('--no', 'vote against')
    .addHelpText('after', example('cloister gov vote 1 2 --yes --key net/keys/member-2.key'))
    .action(async (ids: string[], o: { yes?: boolean; no?: boolean }) => {
      if (Boolean(o.yes) === Boolean(o.no)) throw new CliUsageError('say how you vote: --yes or --no');
      const out = env.output();
      const results = await withNetwork(env, true, async (ctx) => {
        const rows = [];
        const quorum = Number(await ctx.contracts.governance.quorum());
        for (const id of ids.map(uint)) {
          await vote(ctx.contracts, ctx.signer!, id, o.yes === true);
          const p = await ctx.contracts.governance.getProposal(id);
          rows.push({ proposal: id.toString(), yes: Number(p.yesVotes), no: Number(p.noVotes), quorum, passed: await ctx.contracts.governance.isPassed(id) });
        }
        return rows;
      });
      out.result(results, () => {
        for (const r of results) out.line(`voted ${o.yes ? 'yes' : 'no'} on proposal ${r.proposal}: yes ${r.yes} / no ${r.no}, quorum ${r.quorum}${r.passed ? ' — passed: `cloister gov execute ' + r.proposal + '`' : ''}`);
      });
    });

  gov
    .command('execute <proposalIds...>')
    .description('execute passed proposals, in the order given (admission before its task)')
    .addHelpText('after', example('cloister gov execute 1 2 --key net/keys/member-1.key'))
    .action(async (ids: string[]) => {
      const out = env.output();
      const results = await withNetwork(env, true, async (ctx) => {
        const rows = [];
        for (const id of ids.map(uint)) {
          const p = await ctx.contracts.governance.getProposal(id);
          if (!(await ctx.contracts.governance.isPassed(id))) {
            const quorum = await ctx.contracts.governance.quorum();
            throw new CliTaskFailedError(`proposal ${id} by ${p.proposer} has not passed: yes ${p.yesVotes} / no ${p.noVotes}, quorum ${quorum}, voting ends ${new Date(Number(p.votingEndsAt) * 1000).toISOString()} — more members must vote yes (\`cloister gov vote ${id} --yes\`)`,
            );
          }
          const quorum = Number(await ctx.contracts.governance.quorum());
          const tx = await execute(ctx.contracts, ctx.signer!, id);
          rows.push({ proposal: id.toString(), proposer: p.proposer, yes: Number(p.yesVotes), no: Number(p.noVotes), quorum, votingEndsAt: new Date(Number(p.votingEndsAt) * 1000).toISOString(), description: p.description, tx });
        }
        return rows;
      });
      out.result(results, () => {
        for (const r of results) out.line(`executed proposal ${r.proposal} (by ${r.proposer}; yes ${r.yes} / no ${r.no}, quorum ${r.quorum}; voting would have ended ${r.votingEndsAt}): ${r.description}  tx ${r.tx}`);
      });
    });
  return gov;
}
