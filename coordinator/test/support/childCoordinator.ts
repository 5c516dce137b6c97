// A coordinator in its own process (for kill -9 tests): config JSON in argv[2]; prints READY <url>.
import { startCoordinator } from '../../src';

async function run(): Promise<void> {
  const config = JSON.parse(process.argv[2]!);
  const c = await startCoordinator(config);
  process.stdout.write(`READY ${c.url}\n`);
  process.once('SIGTERM', () => void c.close().then(() => process.exit(0)));
}

run().catch((error) => {
  process.stderr.write(`child coordinator failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
