// pino, printed as one concise human line per record (no pino-pretty dependency):
//   12:03:04.512 INFO  demo      round 2 finalized  round=2 accuracy=0.81
// `json: true` keeps pino's JSON lines (for log collectors).
import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '90', 30: '36', 40: '33', 50: '31', 60: '35' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'name', 'v']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Formats one pino JSON record as a single line (exported for tests). */
export function formatRecord(record: Record<string, unknown>, color = false): string {
  const level = typeof record.level === 'number' ? record.level : 30;
  const time = new Date(typeof record.time === 'number' ? record.time : Date.now()).toISOString().slice(11, 23);
  const tag = LEVELS[level] ?? String(level);
  const levelText = color ? `\u001b[${COLORS[level] ?? '0'}m${tag}\u001b[0m` : tag;
  const name = typeof record.name === 'string' ? record.name.padEnd(11) : ''.padEnd(11);
  const fields: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (SKIP.has(key) || value === undefined) continue;
    if (key === 'err' && value && typeof value === 'object') {
      const err = value as { type?: string; message?: string; code?: string; stack?: string };
      fields.push(`err=${formatValue(`${err.code ? `${err.code}: ` : ''}${err.message ?? err.type ?? ''}`)}`);
      if (level >= 50 && err.stack) fields.push(`\n${err.stack}`);
      continue;
    }
    fields.push(`${key}=${formatValue(value)}`);
  }
  return `${time} ${levelText} ${name} ${String(record.msg ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}`;
}

export type CreateLoggerOptions = {
  level?: LevelWithSilent;
  /** pino's JSON lines instead of the human format. */
  json?: boolean;
  /** Where lines go (default process.stdout). */
  output?: { write(text: string): unknown };
  /** ANSI colours (default: output is a TTY). */
  color?: boolean;
};

/** The demo's root logger; components log through `logger.child({ name })`. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const output = options.output ?? process.stdout;
  const level = options.level ?? 'info';
  const redact = { paths: ['privateKey', '*.privateKey', 'token', '*.token', 'operatorToken', 'secret'], censor: '[redacted]' };
  if (options.json) return pino({ level, redact }, { write: (line: string) => output.write(line) });
  const color = options.color ?? Boolean((output as { isTTY?: boolean }).isTTY);
  return pino(
    { level, redact },
    {
      write(line: string) {
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(line) as Record<string, unknown>;
        } catch {
          output.write(line);
          return;
        }
        output.write(`${formatRecord(record, color)}\n`);
      },
    },
  );
}
