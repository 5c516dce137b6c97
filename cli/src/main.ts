#!/usr/bin/env node
// Entry point of `cloister`: runs the program; every failure becomes one line
// `error [CLOISTER_ERR_…]: what happened — what to do next` and a documented exit code (cli/README.md), never a trace.
import { CommanderError } from 'commander';
import { loadCliConfig } from './config';
import { exitCodeOf, EXIT, formatError } from './errors';
import { buildProgram } from './program';

export async function main(argv: string[] = process.argv, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildProgram(env);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander already printed its own usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (debugLevel(program, env)) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.stderr.write(`${formatError(error)}\n`);
    return exitCodeOf(error);
  }
}

/** Whether the stack goes to stderr too (--log-level debug or CLOISTER_LOG_LEVEL=debug); a bad value is not debug. */
function debugLevel(program: ReturnType<typeof buildProgram>, env: NodeJS.ProcessEnv): boolean {
  try {
    return loadCliConfig(program.opts(), env).logLevel === 'debug';
  } catch {
    return false;
  }
}

/** Runs main() and exits with its code (bin/cloister.js calls this). */
export function run(): void {
  void main().then((code) => process.exit(code));
}

if (require.main === module) run();
