import pino from 'pino';

export type Logger = pino.Logger;

/** A logger that writes nothing (the default when the caller gives none). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
