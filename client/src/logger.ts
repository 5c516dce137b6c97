import pino from 'pino';

export type Logger = pino.Logger;

/** The client's default logger: JSON lines on stdout, level from CLOISTER_LOG_LEVEL (default info). */
export function createLogger(options: { level?: string; name?: string; stderr?: boolean } = {}): Logger {
  const destination = options.stderr ? pino.destination(2) : undefined;
  return pino({
    name: options.name ?? 'cloister-client',
    level: options.level ?? process.env.CLOISTER_LOG_LEVEL ?? 'info',
    redact: { paths: ['token', 'privateKey', 'passphrase', 'ciphertext', '*.token', '*.privateKey'], censor: '[redacted]' },
  }, destination);
}

/** A logger that writes nothing (tests, library use without logging). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
