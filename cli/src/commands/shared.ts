// What the commands share: global options (each with a CLOISTER_* variable), output, the network context.
import { openNetwork, type GlobalOptions, type NetworkContext } from '../context';
import { CliUsageError } from '../errors';
import { createOutput, type Output } from '../output';

export type CommandEnv = {
  globals(): GlobalOptions;
  output(): Output;
  env: NodeJS.ProcessEnv;
};

export function makeEnv(globals: () => GlobalOptions, env: NodeJS.ProcessEnv = process.env): CommandEnv {
  let output: Output | undefined;
  return {
    globals,
    env,
    output: () => (output ??= createOutput({ json: globals().json === true, logLevel: globals().logLevel })),
  };
}

/** Runs `fn` with the network context and closes it afterwards. */
export async function withNetwork<T>(e: CommandEnv, needKey: boolean, fn: (ctx: NetworkContext) => Promise<T>): Promise<T> {
  const ctx = await openNetwork({ ...e.globals(), needKey }, e.env);
  try {
    return await fn(ctx);
  } finally {
    ctx.close();
  }
}

/** Parses a `<taskId>` argument, then reads with the network context (no key needed). */
export function readTask<T>(e: CommandEnv, taskId: string, read: (ctx: NetworkContext, id: bigint) => Promise<T>): Promise<T> {
  const id = uint(taskId);
  return withNetwork(e, false, (ctx) => read(ctx, id));
}

/** The `Example:` block of a command's help. */
export function example(...lines: string[]): string {
  return `\nExample:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

export function uint(value: string): bigint {
  if (!/^[0-9]+$/.test(value)) throw new CliUsageError(`${JSON.stringify(value)} is not a non-negative integer — pass a number like 1`);
  return BigInt(value);
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new CliUsageError(`${JSON.stringify(value)} is not a positive integer`);
  return n;
}
