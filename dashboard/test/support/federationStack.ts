// The real local stack for the browser tests (infra's startStack: Redis, Hardhat chain with the Sapphire precompile
// mocks, contracts, development appd, aggregator, coordinator serving this package's build), with one heart-disease
// task of one round whose two hospitals (real client nodes, real tfjs training) start when the test says so, a third
// admitted hospital that commits and never uploads (the aggregator excludes it: MissingUpload), and a governance
// proposal waiting for one more vote.
import { Agent } from 'node:http';
import http from 'node:http';
import { hexlify, parseEther, randomBytes, type Wallet } from 'ethers';
import { initBackend, loadDataset } from '@cloister/client';
import {
  admitCall,
  buildHeartTask,
  createLogger,
  createTaskCall,
  defaultDataRoot,
  HEART_SITES,
  heartSiteConfig,
  propose,
  proposeAndApprove,
  startParticipants,
  startStack,
  taskArtifacts,
  vote,
  type RunningParticipants,
  type Stack,
} from '@cloister/infra';

export type DashboardStack = {
  stack: Stack;
  taskId: bigint;
  /** Proposal with one yes vote of the quorum of two: admits a third account to the task. */
  pendingProposalId: bigint;
  /** The account the pending proposal admits. */
  admitted: Wallet;
  hospitals: Wallet[];
  /** Admitted, commits in round 1 and never uploads. */
  silent: Wallet;
  /** Starts the hospitals' nodes and a keeper that accepts the round as soon as the chain allows. */
  startRound(): void;
  stop(): Promise<void>;
};

export async function startDashboardStack(): Promise<DashboardStack> {
  // Training blocks the event loop for a moment; kept-alive RPC connections the chain closed meanwhile would fail.
  http.globalAgent = new Agent({ keepAlive: false });
  await initBackend({ prefer: 'auto' });
  const logger = createLogger({ level: (process.env.TEST_LOG_LEVEL ?? 'warn') as 'warn' });
  const stack = await startStack({ logger, participants: 4, governanceMembers: 3, quorum: 2, challengeWindow: 0 });
  let participants: RunningParticipants | null = null;
  let keeper: NodeJS.Timeout | null = null;
  try {
    const task = buildHeartTask();
    const artifacts = taskArtifacts(task);
    for (const [hash, bytes] of [
      [artifacts.specHash, artifacts.specBytes],
      [artifacts.modelHash, artifacts.modelBytes],
    ] as const) {
      const res = await fetch(`${stack.coordinatorUrl}/v1/blobs/${hash.slice(2)}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/octet-stream' },
        body: bytes as BodyInit,
      });
      if (!res.ok) throw new Error(`blob ${hash}: HTTP ${res.status} ${await res.text()}`);
    }
    const { contracts, deployment, accounts } = stack;
    const hospitals = accounts.participants.slice(0, 2);
    const silent = accounts.participants[2]!;
    const sites = HEART_SITES.slice(0, 2).map((site, i) => {
      const dataset = heartSiteConfig(site, i, defaultDataRoot());
      return { name: site.name, dataset, local: loadDataset(dataset, { task: task.spec.data }) };
    });
    const taskId = (await contracts.taskManager.taskCount()) + 1n;
    await proposeAndApprove(
      contracts,
      accounts.governance,
      admitCall(deployment, taskId, [...sites.map((s, i) => ({ account: hospitals[i]!.address, name: s.name })), { account: silent.address, name: HEART_SITES[2]!.name }]),
    );
    await proposeAndApprove(
      contracts,
      accounts.governance,
      createTaskCall(
        deployment,
        {
          modelSpecHash: artifacts.specHash,
          initialModelHash: artifacts.modelHash,
          initialModelUri: `blobs/${artifacts.modelHash.slice(2)}`,
          dataSchemaHash: artifacts.dataSchemaHash,
          minParticipants: 2,
          maxParticipants: 3,
          roundDuration: 600,
          numRounds: 1,
          rewardPerRound: parseEther('1.5'),
        },
        'Heart disease, three hospitals',
      ),
    );
    const admitted = accounts.participants[3]!;
    const pendingProposalId = await propose(contracts, accounts.governance[0]!, admitCall(deployment, taskId, [{ account: admitted.address, name: 'Long Beach VA' }], 'Admit Long Beach VA'));
    await vote(contracts, accounts.governance[0]!, pendingProposalId, true);

    return {
      stack,
      taskId,
      pendingProposalId,
      admitted,
      hospitals,
      silent,
      startRound() {
        // The silent hospital's commitment names bytes nobody uploads: the coordinator closes the round once all
        // three committed, waits its upload grace, and the aggregator excludes it.
        void contracts.taskManager
          .connect(silent.connect(stack.provider))
          .commit(taskId, 1, hexlify(randomBytes(32)))
          .then((tx) => tx.wait());
        void startParticipants({ stack, taskId, sites, wallets: hospitals, logger }).then((p) => (participants = p));
        // acceptRound is permissionless once the challenge window is over; the coordinator schedules it by wall
        // clock, and Hardhat's automined blocks run ahead of it, so (as the demo does) the test accepts as soon as
        // the chain allows.
        const keeperManager = contracts.taskManager.connect(accounts.deployer);
        let busy = false;
        keeper = setInterval(() => {
          if (busy) return;
          busy = true;
          (async () => {
            const current = await contracts.taskManager.currentRound(taskId);
            const round = await contracts.taskManager.getRound(taskId, current);
            if (Number(round.state) !== 4) return;
            const head = await stack.provider.getBlock('latest');
            if (head && BigInt(head.timestamp) >= round.challengeEndsAt) await (await keeperManager.acceptRound(taskId, current)).wait();
          })()
            .catch(() => undefined)
            .finally(() => (busy = false));
        }, 300);
      },
      async stop() {
        if (keeper) clearInterval(keeper);
        await participants?.stop();
        await stack.stop();
      },
    };
  } catch (error) {
    if (keeper) clearInterval(keeper);
    await stack.stop();
    throw error;
  }
}
