// npm run gas -w contracts
// Gas per operation on the Hardhat network (same bytecode as Sapphire; Sapphire's gas schedule differs for the
// precompiles only): commit, close, one reportOutcomes page, finalize, accept and one creditRewards page with 10 and
// 100 participants, and claim; and the deployed bytecode size of each contract against the 24 KB limit. Shows that
// a page's gas grows linearly with its accounts (the marginal cost per participant is the same from 10 to 100),
// while finalizeRound and acceptRound no longer depend on the round's size.
// Prints a table and writes bench/latest.json ([{ name, value, unit, baseline, ratio }]).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import hre from 'hardhat';
import { ethers, type Signer } from 'ethers';
import { connectCloister, deployCloister, SCORE_TOTAL } from '../src';
import { authorizeRoflOrigin, EXAMPLE_ROFL_APP_ID as APP_ID, installSapphireMocks } from '../src/development';

type Row = { name: string; value: number; unit: string; baseline: number; ratio: number };

/** EIP-170: the largest deployed bytecode. */
const SIZE_LIMIT = 24_576;

async function main(): Promise<void> {
  const provider = hre.ethers.provider;
  await installSapphireMocks(provider);
  const [deployer, member, aggregator, plain] = await hre.ethers.getSigners();
  const deployment = await deployCloister({
    deployer: deployer!,
    members: [member!.address],
    quorum: 1,
    votingPeriod: 60,
    challengeWindow: 1,
    operator: deployer!.address,
    roflAppId: APP_ID,
  });
  await authorizeRoflOrigin(provider, deployment.roflAppId, aggregator!.address);
  const c = connectCloister(deployment, member!);
  const gasOf = async (tx: Promise<ethers.ContractTransactionResponse>) => Number((await (await tx).wait())!.gasUsed);

  async function govern(target: string, data: string, value = 0n): Promise<void> {
    await (await c.governance.propose(target, value, data, 'gas', { value })).wait();
    const id = await c.governance.proposalCount();
    await (await c.governance.vote(id, true)).wait();
    await (await c.governance.execute(id)).wait();
  }

  const results: Record<string, number> = {};
  for (const n of [10, 100]) {
    const wallets: Signer[] = [];
    for (let i = 0; i < n; i++) {
      const w = new ethers.Wallet(ethers.id(`gas-participant-${n}-${i}`), provider);
      await provider.send('hardhat_setBalance', [w.address, ethers.toQuantity(ethers.parseEther('10'))]);
      wallets.push(w);
    }
    const addrs = await Promise.all(wallets.map((w) => w.getAddress()));
    const reward = ethers.parseEther('1');
    await govern(
      deployment.contracts.taskManager,
      c.taskManager.interface.encodeFunctionData('createTask', [
        {
          modelSpecHash: ethers.id('spec'),
          initialModelHash: ethers.id('m0'),
          initialModelUri: 'blobs/m0',
          dataSchemaHash: ethers.id('schema'),
          minParticipants: 1,
          maxParticipants: n,
          roundDuration: 3600,
          numRounds: 1,
          rewardPerRound: reward,
        },
      ]),
      reward,
    );
    const taskId = await c.taskManager.taskCount();
    await govern(
      deployment.contracts.participants,
      c.participants.interface.encodeFunctionData('admitMany', [taskId, addrs, addrs.map(() => 'site'), addrs.map(() => '')]),
    );
    const tmOperator = connectCloister(deployment, deployer!).taskManager;
    results[`openRound`] = await gasOf(tmOperator.openRound(taskId));
    const commits: number[] = [];
    for (const w of wallets) {
      commits.push(await gasOf(connectCloister(deployment, w).taskManager.commit(taskId, 1, ethers.id(await w.getAddress()))));
    }
    results[`commit (avg, n=${n})`] = Math.round(commits.reduce((a, b) => a + b, 0) / commits.length);
    results[`closeRound (n=${n})`] = await gasOf(tmOperator.closeRound(taskId, 1));
    const base = Math.floor(SCORE_TOTAL / n);
    const scores = addrs.map((_, i) => (i === 0 ? SCORE_TOTAL - base * (n - 1) : base));
    const asAggregator = connectCloister(deployment, aggregator!).taskManager;
    results[`reportOutcomes page (n=${n})`] = await gasOf(asAggregator.reportOutcomes(taskId, 1, addrs, scores, [], []));
    results[`finalizeRound after the pages (n=${n})`] = await gasOf(
      asAggregator.finalizeRound(taskId, 1, ethers.id('m1'), 'blobs/m1', ethers.ZeroHash),
    );
    await provider.send('evm_increaseTime', [2]);
    results[`acceptRound (n=${n})`] = await gasOf(tmOperator.acceptRound(taskId, 1));
    results[`creditRewards page (n=${n})`] = await gasOf(tmOperator.creditRewards(taskId, 1, n));
    results[`claim`] = await gasOf(connectCloister(deployment, wallets[0]!).rewardVault.claim());
  }
  results['plain ETH transfer'] = Number(
    (await (await plain!.sendTransaction({ to: member!.address, value: 1 })).wait())!.gasUsed,
  );

  const f10 = results['reportOutcomes page (n=10)']!;
  const f100 = results['reportOutcomes page (n=100)']!;
  const a10 = results['creditRewards page (n=10)']!;
  const a100 = results['creditRewards page (n=100)']!;
  const finalizeMarginal = Math.round((f100 - f10) / 90);
  const acceptMarginal = Math.round((a100 - a10) / 90);
  // Quadratic growth would make the per-participant cost at n=100 about 10x the one at n=10; linear keeps it flat.
  const perParticipant10 = f10 / 10;
  const perParticipant100 = f100 / 100;

  const sizes: Record<string, number> = {};
  for (const name of ['TaskManager', 'RewardVault', 'CloisterGovernance', 'ParticipantRegistry', 'AggregatorRegistry']) {
    const code = await provider.getCode(name === 'TaskManager' ? deployment.contracts.taskManager
      : name === 'RewardVault' ? deployment.contracts.rewardVault
      : name === 'CloisterGovernance' ? deployment.contracts.governance
      : name === 'ParticipantRegistry' ? deployment.contracts.participants
      : deployment.contracts.aggregatorRegistry);
    sizes[name] = (code.length - 2) / 2;
  }

  console.table(Object.entries(results).map(([operation, gas]) => ({ operation, gas })));
  console.table(Object.entries(sizes).map(([contract, bytes]) => ({ contract, bytes, 'of 24576': `${((bytes / SIZE_LIMIT) * 100).toFixed(1)} %` })));
  console.log(
    `reportOutcomes: ${f10} gas for a page of 10, ${f100} for a page of 100 (x${(f100 / f10).toFixed(2)} for x10 participants); ` +
      `marginal ${finalizeMarginal} gas/participant; per participant ${Math.round(perParticipant10)} → ${Math.round(perParticipant100)} (linear: O(page))`,
  );
  console.log(`creditRewards: ${a10} for a page of 10, ${a100} for a page of 100; marginal ${acceptMarginal} gas/participant`);

  const rows: Row[] = [
    { name: 'commit gas (avg, n=100)', value: results['commit (avg, n=100)']!, unit: 'gas', baseline: results['plain ETH transfer']!, ratio: 0 },
    { name: 'reportOutcomes page gas n=10', value: f10, unit: 'gas', baseline: results['plain ETH transfer']!, ratio: 0 },
    { name: 'reportOutcomes page gas n=100 vs 10 x n=10', value: f100, unit: 'gas', baseline: f10 * 10, ratio: 0 },
    { name: 'reportOutcomes gas per participant n=100 vs n=10', value: perParticipant100, unit: 'gas', baseline: perParticipant10, ratio: 0 },
    { name: 'finalizeRound gas n=100 vs n=10', value: results['finalizeRound after the pages (n=100)']!, unit: 'gas', baseline: results['finalizeRound after the pages (n=10)']!, ratio: 0 },
    { name: 'creditRewards page gas n=100 vs 10 x n=10', value: a100, unit: 'gas', baseline: a10 * 10, ratio: 0 },
    { name: 'claim gas', value: results['claim']!, unit: 'gas', baseline: results['plain ETH transfer']!, ratio: 0 },
    ...Object.entries(sizes).map(([contract, bytes]) => ({ name: `${contract} bytecode`, value: bytes, unit: 'bytes', baseline: SIZE_LIMIT, ratio: 0 })),
  ].map((r) => ({ ...r, ratio: Number((r.value / r.baseline).toFixed(3)) }));
  const dir = join(__dirname, '..', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(rows, null, 2) + '\n');
  console.log(`gas: wrote ${join(dir, 'latest.json')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
