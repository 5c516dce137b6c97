// `npm run demo -w dashboard`: the local stack with one heart-disease task (the browser tests' stack), kept running
// so the dashboard can be opened in a browser. Prints the URL and the development keys to import into a wallet
// (MetaMask: add the network with the printed RPC URL and chain id). Ctrl-C stops everything it started.
import { startDashboardStack } from '../test/support/federationStack';

async function main(): Promise<void> {
  const s = await startDashboardStack();
  const { stack } = s;
  const stop = () => {
    process.stdout.write('\nstopping the stack…\n');
    s.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  s.startRound();
  const lines = [
    '',
    `dashboard:         ${stack.coordinatorUrl}/dashboard/`,
    `API docs:          ${stack.coordinatorUrl}/docs`,
    `chain:             ${stack.rpcUrl} (chain id ${stack.chainId}; development chain, NOT Sapphire)`,
    '',
    'development keys (never use them anywhere else):',
    `  governance member ${stack.accounts.governance[1]!.address}  ${stack.accounts.governance[1]!.privateKey}   (proposal ${s.pendingProposalId} waits for one more yes vote)`,
    ...s.hospitals.map((h, i) => `  hospital ${i + 1}        ${h.address}  ${h.privateKey}`),
    '',
    `task ${s.taskId}: round 1 is running now (two hospitals train and submit); Ctrl-C stops everything.`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((error) => {
  process.stderr.write(`the dashboard demo stack could not start: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
