// Running the workspaces' TypeScript sources in a separate Node process or worker thread (tests and benches that need
// one): tsx compiles `.ts` on load and resolves `@cloister/<pkg>` to `<pkg>/src` through the paths of
// tsconfig.development.json (as jest.preset.js maps them), so nothing needs a prior build. One place for every spawn.
import { resolve } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The tsconfig whose paths map `@cloister/*` to the sources (not used by tsc). */
export const DEVELOPMENT_TSCONFIG = resolve(__dirname, '..', '..', 'tsconfig.development.json');

/** Node arguments that run a `.ts` entry from the sources: `spawn(process.execPath, [...typescriptNodeArguments(), entry])`. */
export function typescriptNodeArguments(): string[] {
  return ['--require', require.resolve('tsx/cjs')];
}

/** The environment of such a process: `env` plus where tsx reads the paths from. */
export function typescriptEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, TSX_TSCONFIG_PATH: DEVELOPMENT_TSCONFIG };
}

/**
 * A worker thread running a `.ts` entry from the sources: the main thread's require hooks (jest's, tsx's) do not reach a
 * worker, so its first lines register tsx with the development paths, then load `entry`.
 */
export function typescriptWorker(entry: string, options: Omit<WorkerOptions, 'eval' | 'env'> = {}): Worker {
  const bootstrap = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(entry)});`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv: [], env: typescriptEnvironment() });
}
