// The `cloister` program: one command line for every role. Shared flags (each with a CLOISTER_* variable):
// --connection (CLOISTER_CONNECTION), --key (CLOISTER_KEY), --json (CLOISTER_JSON=1), --log-level (CLOISTER_LOG_LEVEL).
import { Command } from 'commander';
import { loadCliConfig } from './config';
import type { GlobalOptions } from './context';
import { govCommand } from './commands/gov';
import { modelCommand } from './commands/model';
import { networkCommand } from './commands/network';
import { newCommand } from './commands/newTask';
import { nodeCommand } from './commands/node';
import { example, makeEnv } from './commands/shared';
import { statsCommand } from './commands/stats';
import { taskCommand } from './commands/task';

/** `cloister node run` for the `run` subcommand of `node`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export function buildProgram(env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command('cloister')
    .description('Cloister: federated learning with confidential aggregation. One command line for task authors, governance members, participants and developers.')
    .option('--connection <file>', 'connection file of the network (CLOISTER_CONNECTION; default <CLOISTER_NETWORK_DIR or ~/.cloister/network>/connection.json)')
    .option('--key <file>', 'your key: a hex private key file or an ethers keystore with CLOISTER_PASSPHRASE (CLOISTER_KEY)')
    .option('--json', 'print results as JSON and logs as JSON lines (CLOISTER_JSON=1)')
    .option('--log-level <level>', 'log level: error, warn, info, debug (CLOISTER_LOG_LEVEL)')
    .addHelpText(
      'after',
      example(
        'cloister network up --dir ./net && export CLOISTER_NETWORK_DIR=./net',
        'cloister new heart --template tabular-logistic --dataset sites/a.json --participants 2',
        'cloister stats propose heart --participants 0x…,0x… --key ./net/keys/member-1.key',
      ),
    );
  const globals = (): GlobalOptions => loadCliConfig(program.opts<GlobalOptions>(), env);
  const e = makeEnv(globals, env);
  for (const command of [networkCommand(e), newCommand(e), taskCommand(e), statsCommand(e), govCommand(e), nodeCommand(e), modelCommand(e)]) {
    program.addCommand(command);
  }
  // Errors of every (sub)command reach main() instead of process.exit, and commander's own usage errors print in the
  // same one-line form as every other error.
  const override = (c: Command) => {
    c.exitOverride();
    c.configureOutput({
      outputError: (text, write) => write(`error [CLOISTER_ERR_CLI_USAGE]: ${text.trim().replace(/^error: /, '')} — run \`${commandPath(c)} --help\` for usage\n`),
    });
    c.commands.forEach(override);
  };
  override(program);
  return program;
}
