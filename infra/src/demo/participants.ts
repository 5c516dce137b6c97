// The demo's participants: one @cloister/client ParticipantNode per site, in-process, each with its own account,
// its own data and its own state folder, exactly as a hospital would run the client next to its data.
import { join } from 'node:path';
import { loadDataset, ParticipantNode, type DatasetConfig, type LocalDataset } from '@cloister/client';
import type { Wallet } from 'ethers';
import type { Logger } from 'pino';
import type { Stack } from '../stack/startStack';

export type ParticipantSite = {
  name: string;
  /** The site's dataset config (the client loads it with the task's data section: features, scaling). */
  dataset?: DatasetConfig;
  /** Already loaded data (MNIST shards); also what the demo evaluates on. */
  local: LocalDataset;
};

export type RunningParticipants = {
  nodes: ParticipantNode[];
  /** The last error a node reported (nodes retry on the next poke; a persistent one stalls the round). */
  lastError(): string | null;
  stop(): Promise<void>;
};

export async function startParticipants(options: {
  stack: Stack;
  taskId: bigint;
  sites: ParticipantSite[];
  wallets: Wallet[];
  logger: Logger;
}): Promise<RunningParticipants> {
  const failures: Error[] = [];
  const nodes = options.sites.map((site, i) => {
    const node = new ParticipantNode({
      signer: options.wallets[i]!,
      deployment: options.stack.deployment,
      coordinatorUrl: options.stack.coordinatorUrl,
      taskId: options.taskId,
      // A dataset config is loaded by the client itself with the task's features and scaling.
      dataset: site.dataset ? (spec) => loadDataset(site.dataset!, { task: spec.data }) : () => site.local,
      stateDir: join(options.stack.workDir, 'participants', `${i + 1}`),
      logger: options.logger.child({ name: site.name.toLowerCase().replace(/\s+/g, '-').slice(0, 11) }, { level: 'error' }),
      pollIntervalMs: 250,
    });
    node.on('error', (error) => failures.push(error));
    node.on('submitted', (result) => options.logger.debug({ site: site.name, round: String(result.round) }, 'participant: update submitted'));
    return node;
  });
  for (const node of nodes) node.start();
  return {
    nodes,
    lastError() {
      const last = failures[failures.length - 1];
      return last ? `${(last as { code?: string }).code ?? 'error'}: ${last.message}` : null;
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
