// Stops what a development helper started when the process gets SIGINT or SIGTERM: without it Node's default action
// ends the process at once and leaves redis-server, the hardhat node and temporary folders behind.

type Log = { warn(obj: object, msg?: string): void };

/**
 * Runs `stop` on SIGINT/SIGTERM, then exits 130/143; a second signal exits at once. Returns a function that removes
 * the handlers (call it from the normal stop path).
 */
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>, log?: Log): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log?.warn({ signal }, 'stop: second signal, exiting now');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    stopping = true;
    log?.warn({ signal }, 'stop: signal received, stopping everything that was started');
    void stop(signal).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}
