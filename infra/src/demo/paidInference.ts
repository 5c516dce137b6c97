// The demo's last act: paid confidential inference on the accepted model and the revenue it pays the contributors.
// Governance sets a price per predicted row; a querier (an application, here the deployer account) prepays credit and
// asks the aggregator's TEE for predictions on a few test rows; the TEE settles the usage on chain; each participant
// reads its revenue with its own SiweAuth token and claims it. The split follows the scores over the accepted rounds.
import { siweLogin } from '@cloister/contracts';
import { queryModel, type Examples } from '@cloister/client';
import { formatEther, parseEther, type Wallet } from 'ethers';
import type { Logger } from 'pino';
import { proposeAndApprove } from '../governance/actions';
import type { Stack } from '../stack/startStack';

export type RevenueShare = { name: string; address: string; scoreSum: number; claimedWei: string };
export type PaidInferenceRecord = {
  rows: number;
  pricePerRowWei: string;
  costWei: string;
  creditLeftWei: string;
  accuracy: number;
  revenue: RevenueShare[];
  /** What the contract keeps or gave governance (floor-division remainder). */
  remainderWei: string;
};

const paidTotal = (shares: RevenueShare[]) => shares.reduce((a, r) => a + BigInt(r.claimedWei), 0n);

export async function runPaidInference(
  stack: Stack,
  options: { taskId: bigint; test: Examples; rows: number; sites: { name: string; wallet: Wallet; scores: number[] }[]; logger: Logger },
): Promise<PaidInferenceRecord> {
  const { contracts, accounts, deployment } = stack;
  const log = options.logger;
  const credit = contracts.inferenceCredit;
  const price = parseEther('0.001');
  await proposeAndApprove(contracts, accounts.governance, {
    target: deployment.contracts.inferenceCredit,
    value: 0n,
    data: credit.interface.encodeFunctionData('setPrice', [options.taskId, price]),
    description: `Inference price of task ${options.taskId}: ${formatEther(price)} per row`,
  });
  const querier = accounts.deployer;
  await (await credit.connect(querier).deposit({ value: price * 100n })).wait();
  log.info(`inference: governance set ${formatEther(price)} per row; the querier ${querier.address} deposited ${formatEther(price * 100n)} credit`);

  const width = options.test.features.length / options.test.count;
  const labelWidth = options.test.labels.length / options.test.count;
  const n = Math.min(options.rows, options.test.count);
  const rows = Array.from({ length: n }, (_, i) => Array.from(options.test.features.subarray(i * width, (i + 1) * width)));
  const result = await queryModel({ url: stack.aggregator.inferenceUrl, signer: querier, contracts, taskId: options.taskId, rows });
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const p = result.predictions[i]!;
    const label = options.test.labels.subarray(i * labelWidth, (i + 1) * labelWidth);
    const predicted = p.length === 1 ? (p[0]! >= 0.5 ? 1 : 0) : p.indexOf(Math.max(...p));
    const actual = labelWidth === 1 ? label[0]! : label.indexOf(Math.max(...label));
    if (predicted === actual) correct++;
  }
  log.info(`inference: ${n} rows predicted inside the TEE (sealed both ways), ${correct}/${n} correct; cost ${formatEther(result.cost)}, credit left ${formatEther(result.creditLeft)}`);

  // The TEE settles usage in batches; the demo waits for this request's settlement, then the contributors claim.
  await stack.aggregator.running.inference!.settler.settleAll();
  const paid = (price * 100n) - (await credit.creditOf(querier.address));
  const revenue: RevenueShare[] = [];
  let claimed = 0n;
  for (const site of options.sites) {
    const owed = await credit.revenueOf(await siweLogin(site.wallet, credit), options.taskId);
    if (owed > 0n) await (await credit.connect(site.wallet).claimRevenue(options.taskId)).wait();
    claimed += owed;
    revenue.push({ name: site.name, address: site.wallet.address, scoreSum: site.scores.reduce((a, b) => a + b, 0), claimedWei: owed.toString() });
  }
  const totalScore = revenue.reduce((a, r) => a + r.scoreSum, 0);
  for (const r of revenue) {
    log.info(`revenue: ${r.name.padEnd(14)} claimed ${formatEther(BigInt(r.claimedWei)).padEnd(14)} = ${((100 * Number(r.claimedWei)) / Number(paidTotal(revenue))).toFixed(2)} % of the revenue; its share of the scores over the accepted rounds ${((100 * r.scoreSum) / totalScore).toFixed(2)} %`);
  }
  log.info(`revenue: queriers paid ${formatEther(paid)}, contributors claimed ${formatEther(claimed)}, remainder ${paid - claimed} wei (floor division, documented)`);
  return {
    rows: n,
    pricePerRowWei: price.toString(),
    costWei: result.cost.toString(),
    creditLeftWei: result.creditLeft.toString(),
    accuracy: correct / n,
    revenue,
    remainderWei: (paid - claimed).toString(),
  };
}
