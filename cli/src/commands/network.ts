// `cloister network up|status|logs|down`: DEVELOPMENT tooling. The local network's code lives in @cloister/infra and is
// loaded only when one of these commands runs; no other command assumes a local network.
import { Command, Option } from 'commander';
import type * as NetworkModule from '@cloister/infra/dist/network';
import { formatRecord } from '@cloister/infra/dist/log/logger';
import type { CommandEnv } from './shared';
import { example, positiveInt } from './shared';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily: only the network commands need the development stack
const loadNetwork = (): typeof NetworkModule => require('@cloister/infra/dist/network') as typeof NetworkModule;

export function networkCommand(env: CommandEnv): Command {
  const network = new Command('network').description(
    'DEVELOPMENT ONLY: a local Cloister network on this machine (Hardhat chain with MOCKED Sapphire precompiles, Redis, coordinator, a development appd that is NOT a TEE, the aggregator) as separate processes that keep running until `network down`',
  ).addHelpText('after', example('cloister network up --dir ./net', 'cloister network down --dir ./net'));
  const dirOf = (o: { dir?: string }) => o.dir ?? loadNetwork().defaultNetworkDir();
  /** A network subcommand: each one acts on the network folder given by --dir. */
  const subcommand = (nameAndArgs: string, description: string, ...examples: string[]) =>
    network
      .command(nameAndArgs)
      .description(description)
      .addOption(new Option('--dir <dir>', 'the network folder (CLOISTER_NETWORK_DIR, default ~/.cloister/network)'))
      .addHelpText('after', example(...examples));

  subcommand(
    'up',
    'start the local development network in the background and write its connection file and development keys',
    'cloister network up --dir ./net',
    'export CLOISTER_NETWORK_DIR=./net   # every other command then finds ./net/connection.json',
  )
    .option('--participants <n>', 'participant accounts to create (keys/participant-<i>.key)', positiveInt, 8)
    .option('--service-log-level <level>', 'log level of the services', 'info')
    .action(async (o: { dir?: string; participants: number; serviceLogLevel: string }) => {
      const out = env.output();
      const { networkUp } = loadNetwork();
      const bar = out.progress(7, 'network up');
      let result;
      try {
        result = await networkUp({
          dir: dirOf(o),
          logger: out.logger('network', out.json ? undefined : 'warn'),
          participants: o.participants,
          serviceLogLevel: o.serviceLogLevel,
          onStep: (i, _total, what) => bar.update(i - 1, what),
        });
        bar.update(7, 'ready');
      } finally {
        bar.stop();
      }
      const { paths, connection, services } = result;
      out.result({ dir: paths.dir, connection: paths.connection, keys: paths.keys, services, rpcUrl: connection.rpcUrl, coordinatorUrl: connection.coordinatorUrl, fresh: true }, () => {
        out.line(`local DEVELOPMENT network up in ${paths.dir} (a fresh chain: Hardhat keeps no state across restarts)`);
        for (const s of services) out.line(`  ${s.service.padEnd(12)} pid ${s.pid}`);
        out.line(`  chain        ${connection.rpcUrl} (Sapphire precompiles MOCKED)`);
        out.line(`  coordinator  ${connection.coordinatorUrl}`);
        out.line(`connection file: ${paths.connection}`);
        out.line(`development keys: ${paths.keys}/member-{1,2,3}.key, participant-<i>.key (public keys: never use them elsewhere)`);
        out.line(`next: export CLOISTER_NETWORK_DIR=${paths.dir}; cloister new my-task --template tabular-logistic --dataset site.json`);
      });
    });

  subcommand('status', 'each process, the chain head, the coordinator health and the queue depths', 'cloister network status --dir ./net')
    .action(async (o: { dir?: string }) => {
      const out = env.output();
      const status = await loadNetwork().networkStatus(dirOf(o));
      out.result(status, () => {
        out.line(`network in ${status.dir}`);
        for (const s of status.services) out.line(`  ${s.service.padEnd(12)} pid ${String(s.pid).padEnd(8)} ${s.running ? 'running' : 'STOPPED'}  log ${s.log}`);
        if (status.chain) out.line(`  chain head   ${status.chain.head ?? 'unreachable'} (${status.chain.rpcUrl})`);
        if (status.coordinator) out.line(`  coordinator  ${status.coordinator.healthy ? 'healthy' : 'NOT answering'} (${status.coordinator.url})`);
        for (const [name, counts] of Object.entries(status.queues ?? {})) {
          out.line(`  queue ${name.padEnd(12)} ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        }
      });
    });

  subcommand('logs <service>', 'the last lines of one service log: redis, chain, appd, coordinator, aggregator', 'cloister network logs aggregator --lines 100')
    .option('-n, --lines <n>', 'how many lines', positiveInt, 50)
    .action(async (service: string, o: { dir?: string; lines: number }) => {
      const out = env.output();
      const logs = loadNetwork().networkLogs(dirOf(o), service, o.lines);
      out.result(logs, () => {
        out.line(`==> ${logs.file} <==`);
        // The services log pino JSON lines: shown as readable lines (other lines as they are).
        for (const line of logs.tail.split('\n')) {
          let record: Record<string, unknown> | null = null;
          try {
            record = line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : null;
          } catch {
            record = null;
          }
          out.line(record ? formatRecord(record, process.stdout.isTTY === true) : line);
        }
      });
    });

  subcommand('down', 'stop every process of the network and remove its folder (logs, keys, chain state, Redis files)', 'cloister network down --dir ./net')
    .action(async (o: { dir?: string }) => {
      const out = env.output();
      const r = await loadNetwork().networkDown(dirOf(o));
      out.result(r, () => {
        for (const s of r.stopped) out.line(`stopped ${s.service} (pid ${s.pid}${s.wasRunning ? '' : ', had already exited'})`);
        out.line(`removed ${r.removed}`);
      });
    });
  return network;
}
