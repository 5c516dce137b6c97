#!/usr/bin/env node
// Entry point of `cloister-client`: runs the program and turns errors into one or two lines with their code.
import { CloisterError } from '@cloister/protocol';
import { CommanderError } from 'commander';
import { buildProgram } from './program';

/** Formats an error for the terminal: what happened, and the code to look up in the README. */
export function formatCliError(error: unknown): string {
  if (error instanceof CloisterError) return `error: ${error.message}\n  (${error.code})`;
  const e = error as { code?: string; message?: string; shortMessage?: string };
  const message = (e?.shortMessage ?? e?.message ?? String(error)).split('\n')[0];
  return `error: ${message}${e?.code ? `\n  (${e.code})` : ''}`;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`${formatCliError(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
