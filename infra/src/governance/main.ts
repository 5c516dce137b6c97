#!/usr/bin/env node
// `cloister-governance`: list, propose, vote, execute and read results on a Cloister deployment.
import { readFileSync } from 'node:fs';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { formatEther, parseEther, type Signer } from 'ethers';
import { connectChain, connectCloister, loadDeployment, wrapForSapphire, type CloisterContracts, type Deployment } from '@cloister/contracts';
import { GovernanceInputInvalidError, GovernanceTxFailedError } from '../errors';
import { PARAMETERS, admitCall, createTaskCall, escrowOf, execute, listProposals, parameterCall, propose, rejectRoundCall, removeParticipantCall, vote, type Admission, type ParameterName, type ProposalCall, type TaskParams } from './actions';
import { loadGovernanceConfig, type GovernanceConfig } from './config';
import { loadSigner } from './keys';
import { readTaskResults } from './results';

type Global = GovernanceConfig;

type Out = { write(text: string): unknown };

function uint(value: string): bigint {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer');
  return BigInt(value);
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new GovernanceInputInvalidError(`cannot read ${what} ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** Task JSON: TaskParams with rewardPerRound in ETH as a string ("0.5") or wei as `rewardPerRoundWei`. */
export function parseTaskFile(value: unknown): TaskParams {
  const v = value as Record<string, unknown>;
  if (typeof v !== 'object' || v === null) throw new GovernanceInputInvalidError('the task file must hold a JSON object');
  const reward =
    v.rewardPerRoundWei !== undefined ? BigInt(String(v.rewardPerRoundWei)) : v.rewardPerRound !== undefined ? parseEther(String(v.rewardPerRound)) : undefined;
  const missing = ['modelSpecHash', 'initialModelHash', 'initialModelUri', 'dataSchemaHash', 'minParticipants', 'maxParticipants', 'roundDuration', 'numRounds'].filter(
    (k) => v[k] === undefined,
  );
  if (reward === undefined) missing.push('rewardPerRound (ETH) or rewardPerRoundWei');
  if (missing.length) throw new GovernanceInputInvalidError(`the task file lacks: ${missing.join(', ')}`);
  return {
    modelSpecHash: String(v.modelSpecHash),
    initialModelHash: String(v.initialModelHash),
    initialModelUri: String(v.initialModelUri),
    dataSchemaHash: String(v.dataSchemaHash),
    minParticipants: Number(v.minParticipants),
    maxParticipants: Number(v.maxParticipants),
    roundDuration: Number(v.roundDuration),
    numRounds: Number(v.numRounds),
    rewardPerRound: reward!,
  };
}

async function context(global: Global, needSigner: boolean) {
  const deployment = loadDeployment(global.deployment);
  const { provider, chainId } = await connectChain(global.rpc, deployment.chainId, {
    unreachable: (cause) => new GovernanceTxFailedError(`cannot reach the chain at ${global.rpc}: ${(cause as Error).message}`, { cause }),
    wrongChain: (chainId) => new GovernanceInputInvalidError(`${global.rpc} is chain ${chainId} but ${global.deployment} is for chain ${deployment.chainId}`),
  });
  let signer: Signer | undefined;
  if (needSigner) signer = wrapForSapphire(await loadSigner(global, provider), chainId);
  const contracts = connectCloister(deployment, signer ?? provider);
  return { deployment, provider, signer, contracts };
}

async function submit(global: Global, out: Out, build: (deployment: Deployment) => ProposalCall): Promise<void> {
  const { deployment, signer, contracts } = await context(global, true);
  const call = build(deployment);
  const address = await signer!.getAddress();
  if (!(await contracts.governance.isMember(address))) {
    throw new GovernanceInputInvalidError(`${address} is not a governance member: only members propose and vote`);
  }
  const id = await propose(contracts, signer!, call);
  out.write(`proposal ${id} created: ${call.description}${call.value > 0n ? ` (holds ${formatEther(call.value)} ETH until executed)` : ''}\n`);
  out.write(`next: members vote with \`cloister-governance vote ${id} yes\`, then \`cloister-governance execute ${id}\`\n`);
}

async function showResults(contracts: CloisterContracts, signer: Signer, taskId: bigint, out: Out): Promise<void> {
  const r = await readTaskResults(contracts, signer, taskId);
  out.write(`task ${r.taskId}: round ${r.currentRound}/${r.numRounds}, ${r.acceptedRounds} accepted${r.cancelled ? ', CANCELLED' : ''}; reward ${formatEther(r.rewardPerRound)} ETH/round; escrow left ${formatEther(r.escrowLeft)} ETH\n`);
  out.write(`current model ${r.currentModelHash}\n`);
  for (const round of r.rounds) {
    out.write(`round ${round.round}: ${round.state}, committed ${round.committedCount}, included ${round.includedCount}, model ${round.modelHash}\n`);
    for (const o of round.outcomes.filter((x) => x.committed)) {
      out.write(`  ${o.participant}  ${o.included ? `score ${o.score}` : `excluded (reason ${o.reason})`}  reward ${formatEther(o.reward)} ETH\n`);
    }
  }
}

export function governanceCommand(out: Out = process.stdout): Command {
  const program = new Command('cloister-governance')
    .description('Cloister governance: proposals (tasks, admissions, round rejections, parameters), votes, execution, results.')
    .option('--rpc <url>', 'JSON-RPC URL of the chain (CLOISTER_RPC_URL; default http://127.0.0.1:8545)')
    .option('--deployment <file>', 'deployment JSON written by contracts, or the connection file (CLOISTER_DEPLOYMENT; default contracts/deployments/localhost.json)')
    .option('--keystore <file>', 'ethers JSON keystore of the member (default: CLOISTER_PRIVATE_KEY from the environment)')
    .option('--password-file <file>', 'file holding the keystore password (default: CLOISTER_PASSPHRASE)')
    .showHelpAfterError();
  const g = () => loadGovernanceConfig(program.opts<Partial<Global>>());

  program
    .command('list')
    .description('list proposals')
    // A bigint default needs its help text spelled out: commander's help JSON-encodes defaults, which a bigint breaks.
    .addOption(new Option('--from <id>', 'first proposal id').argParser(uint).default(1n, '1'))
    .action(async (o: { from: bigint }) => {
      const { deployment, contracts } = await context(g(), false);
      const [proposals, quorum, members] = await Promise.all([listProposals(contracts, deployment, o.from), contracts.governance.quorum(), contracts.governance.members()]);
      out.write(`${members.length} members, quorum ${quorum}; ${proposals.length} proposal(s)\n`);
      for (const p of proposals) {
        out.write(`#${p.id} ${p.state}${p.state === 'Active' && p.passed ? ' (passed: ready to execute)' : ''}  yes ${p.yes} / no ${p.no}  ${p.call}${p.value > 0n ? ` value ${formatEther(p.value)} ETH` : ''}\n    ${p.description}  (voting ends ${p.votingEndsAt.toISOString()})\n`);
      }
    });

  const proposeCmd = program.command('propose').description('create a proposal');
  proposeCmd
    .command('task <file>')
    .description('approve a task: JSON file with TaskParams (rewardPerRound in ETH); the escrow rewardPerRound × numRounds is paid with the proposal')
    .option('--description <text>', 'text shown to voters')
    .action(async (file: string, o: { description?: string }) => {
      const params = parseTaskFile(readJson(file, 'task file'));
      out.write(`escrow: ${formatEther(escrowOf(params))} ETH\n`);
      await submit(g(), out, (d) => createTaskCall(d, params, o.description));
    });
  proposeCmd
    .command('admit <taskId> <account> [name]')
    .description('admit a participant to a task (or several with --file admissions.json: [{ "account", "name", "uri" }])')
    .option('--file <file>', 'JSON list of admissions')
    .option('--uri <uri>', 'where the participant can be reached', '')
    .action(async (taskId: string, account: string, name: string | undefined, o: { file?: string; uri: string }) => {
      const list: Admission[] = o.file ? (readJson(o.file, 'admissions file') as Admission[]) : [{ account, name: name ?? account, uri: o.uri }];
      await submit(g(), out, (d) => admitCall(d, uint(taskId), list));
    });
  proposeCmd
    .command('remove <taskId> <account>')
    .description('remove a participant from a task')
    .action(async (taskId: string, account: string) => submit(g(), out, (d) => removeParticipantCall(d, uint(taskId), account)));
  proposeCmd
    .command('reject-round <taskId> <round>')
    .description('reject a finalized round within its challenge window (it can be reopened)')
    .option('--reason <text>', 'why, for the voters')
    .action(async (taskId: string, round: string, o: { reason?: string }) => submit(g(), out, (d) => rejectRoundCall(d, uint(taskId), uint(round), o.reason)));
  proposeCmd
    .command('parameter <name> <value>')
    .description(`change a parameter: ${PARAMETERS.join(', ')}`)
    .action(async (name: string, value: string) => {
      if (!(PARAMETERS as readonly string[]).includes(name)) {
        throw new GovernanceInputInvalidError(`unknown parameter ${JSON.stringify(name)}: one of ${PARAMETERS.join(', ')}`);
      }
      await submit(g(), out, (d) => parameterCall(d, name as ParameterName, value));
    });

  program
    .command('vote <proposalId>')
    .description('vote on a proposal')
    .addArgument(new Argument('<choice>', 'yes or no').choices(['yes', 'no']))
    .action(async (proposalId: string, choice: 'yes' | 'no') => {
      const { signer, contracts } = await context(g(), true);
      const id = uint(proposalId);
      await vote(contracts, signer!, id, choice === 'yes');
      const p = await contracts.governance.getProposal(id);
      const passed = await contracts.governance.isPassed(id);
      out.write(`voted ${choice} on proposal ${id}: yes ${p.yesVotes} / no ${p.noVotes}${passed ? `; it has passed: run \`cloister-governance execute ${id}\`` : ''}\n`);
    });

  program
    .command('execute <proposalId>')
    .description('execute a passed proposal')
    .action(async (proposalId: string) => {
      const { signer, contracts } = await context(g(), true);
      const id = uint(proposalId);
      if (!(await contracts.governance.isPassed(id))) {
        const p = await contracts.governance.getProposal(id);
        throw new GovernanceInputInvalidError(`proposal ${id} has not passed (yes ${p.yesVotes} / no ${p.noVotes}, quorum ${await contracts.governance.quorum()}): more members must vote yes, or wait for the end of its voting period`);
      }
      const hash = await execute(contracts, signer!, id);
      out.write(`proposal ${id} executed in ${hash}\n`);
    });

  program
    .command('results <taskId>')
    .description("a task's rounds, model hashes and every participant's score and reward (members only: signs in to the RewardVault)")
    .action(async (taskId: string) => {
      const { signer, contracts } = await context(g(), true);
      await showResults(contracts, signer!, uint(taskId), out);
    });

  return program;
}

export async function runGovernanceCli(argv: string[], out: Out = process.stdout, err: Out = process.stderr): Promise<number> {
  const program = governanceCommand(out);
  // On every command, not only the program: the subcommands exist already and do not inherit these settings, so
  // `list --help` called process.exit and wrote to the process's stdout instead of returning through here.
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap((sub) => all(sub as Command))];
  for (const command of all(program)) {
    command.exitOverride();
    command.configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; message: string };
    if (e.code?.startsWith('commander.')) return e.exitCode ?? 1;
    err.write(`error${e.code ? ` [${e.code}]` : ''}: ${e.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void runGovernanceCli(process.argv.slice(2)).then((code) => process.exit(code));
}

