// What commands print: human lines on stdout, or one JSON document with --json; logs (node run, network up) on
// stderr as readable lines (infra's formatter) or pino JSON with --json; progress bars only on a terminal.
import { Presets, SingleBar } from 'cli-progress';
import { createLogger, type Logger } from '@cloister/infra/dist/log/logger';

export type Output = {
  json: boolean;
  /** Prints human lines (ignored with --json). */
  line(text: string): void;
  /** The command's result: printed as JSON with --json, else by `human`. */
  result(value: unknown, human?: () => void): void;
  logger(name: string, level?: string): Logger;
  /** A progress bar on stderr (a no-op when stderr is not a terminal or with --json). */
  progress(total: number, label: string): { update(value: number, text?: string): void; stop(): void };
};

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function createOutput(options: { json?: boolean; logLevel?: string }, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  const json = options.json === true;
  const root = createLogger({ level: (options.logLevel ?? 'info') as 'info', json, output: stderr });
  return {
    json,
    line(text) {
      if (!json) stdout.write(`${text}\n`);
    },
    result(value, human) {
      if (json) stdout.write(`${JSON.stringify(value, jsonReplacer)}\n`);
      else human?.();
    },
    logger: (name, level) => root.child({ name }, level ? { level } : {}),
    progress(total, label) {
      if (json || !stderr.isTTY) return { update: () => undefined, stop: () => undefined };
      const bar = new SingleBar({ format: `${label} |{bar}| {value}/{total} {text}`, stream: stderr, hideCursor: true }, Presets.shades_classic);
      bar.start(total, 0, { text: '' });
      return { update: (v, text) => bar.update(v, { text: text ?? '' }), stop: () => bar.stop() };
    },
  };
}
