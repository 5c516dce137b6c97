// One Cloister service in a process of its own, for the fault suite: `coordinator <config JSON>` or
// `aggregator <config JSON>`. Prints `READY <url-or-pid>` once serving; SIGKILL is the crash the suite injects.
import { startCoordinator } from '@cloister/coordinator';
import { startAggregator, type AggregatorConfig } from '@cloister/aggregator-rofl';

async function run(): Promise<void> {
  const [kind, json] = process.argv.slice(2);
  const config = JSON.parse(json!) as unknown;
  if (kind === 'coordinator') {
    const coordinator = await startCoordinator(config as Parameters<typeof startCoordinator>[0]);
    process.stdout.write(`READY ${coordinator.url}\n`);
    process.once('SIGTERM', () => void coordinator.close().then(() => process.exit(0)));
  } else if (kind === 'aggregator') {
    const aggregator = await startAggregator(config as AggregatorConfig);
    process.stdout.write(`READY ${process.pid}\n`);
    process.once('SIGTERM', () => void aggregator.close().then(() => process.exit(0)));
  } else {
    throw new Error(`unknown service ${kind}: coordinator or aggregator`);
  }
}

run().catch((error: unknown) => {
  process.stderr.write(`service failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
