// Test process: starts the simulation stack, prints its ports, pids and work dir as one JSON line, then waits to be
// signalled (simulation/test/stackSignal.test.ts sends SIGTERM).
import pino from 'pino';
import { startSimulationStack } from '../../src';

void (async () => {
  const stack = await startSimulationStack({ logger: pino({ level: 'warn' }, process.stderr), participants: 2, maxUpdateBytes: 1 << 20 });
  process.stdout.write(`${JSON.stringify({ rpcUrl: stack.rpcUrl, coordinatorUrl: stack.coordinatorUrl, pids: stack.pids, workDir: stack.workDir })}\n`);
  setInterval(() => undefined, 60_000);
})();
