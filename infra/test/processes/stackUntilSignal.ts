// Test process: starts the library's local stack, prints its ports and work dir as one JSON line, then waits to be
// signalled (infra/test/stackSignal.test.ts sends SIGINT or SIGTERM).
import { createLogger, startStack } from '../../src';

void (async () => {
  const stack = await startStack({ logger: createLogger({ level: 'warn', output: process.stderr }), redisUrl: '' });
  process.stdout.write(`${JSON.stringify({ redisUrl: stack.redisUrl, rpcUrl: stack.rpcUrl, coordinatorUrl: stack.coordinatorUrl, workDir: stack.workDir })}\n`);
  setInterval(() => undefined, 60_000);
})();
