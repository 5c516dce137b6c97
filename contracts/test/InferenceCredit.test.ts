import { expect } from 'chai';
import hre from 'hardhat';
import { loadFixture, time } from '@nomicfoundation/hardhat-network-helpers';
import { ethers } from 'ethers';
import { siweLogin } from '../src';
import {
  CHALLENGE_WINDOW,
  createTaskWithParticipants,
  deployFixture,
  finalizedRound,
  passProposal,
} from './fixtures';

describe('InferenceCredit', () => {
  const PRICE = 1_000_003n; // odd, so splits leave rounding remainders
  const requestId = (n: number) => ethers.id(`request-${n}`);

  // A task with two accepted rounds (scores recorded by the TEE), a price, and a querier with credit.
  async function paidTaskFixture() {
    const f = await deployFixture();
    const [p0, p1, p2, querier] = f.participants as [typeof f.outsider, typeof f.outsider, typeof f.outsider, typeof f.outsider];
    const taskId = await createTaskWithParticipants(f, [p0, p1, p2]);
    const credit = f.inferenceCredit;
    const scores = [
      [200_000, 300_000, 500_000],
      [600_000, 400_000, 0],
    ];
    for (const s of scores) {
      const round = await finalizedRound(f, taskId, [p0, p1, p2], s);
      const attempt = (await f.taskManager.getRound(taskId, round)).attempt;
      await (await credit.connect(f.aggregator).recordContributions(taskId, round, attempt, [p0, p1, p2].map((p) => p.address), s)).wait();
      await time.increase(CHALLENGE_WINDOW);
      await (await f.taskManager.acceptRound(taskId, round)).wait();
    }
    await passProposal(f, await credit.getAddress(), credit.interface.encodeFunctionData('setPrice', [taskId, PRICE]));
    await (await credit.connect(querier).deposit({ value: PRICE * 100n })).wait();
    return { f, credit, taskId, p0, p1, p2, querier };
  }

  it('charges a request once: a replayed settlement is refused and leaves the credit unchanged', async () => {
    const { f, credit, taskId, querier } = await loadFixture(paidTaskFixture);
    const settle = credit.connect(f.aggregator);
    await expect(settle.settle(taskId, [requestId(1), requestId(2)], [querier.address, querier.address], [1, 64]))
      .to.emit(credit, 'UsageSettled')
      .withArgs(taskId, 2, 0, PRICE * 65n);
    expect(await credit.creditOf(querier.address)).to.equal(PRICE * 35n);
    // the same request from a retry or another aggregator instance
    await expect(settle.settle(taskId, [requestId(2), requestId(3)], [querier.address, querier.address], [64, 1]))
      .to.emit(credit, 'RequestAlreadySettled')
      .withArgs(taskId, querier.address, requestId(2));
    expect(await credit.creditOf(querier.address)).to.equal(PRICE * 34n);
    expect(await credit.isSettled(taskId, querier.address, requestId(2))).to.equal(true);
  });

  it('a request the credit cannot pay is charged nothing and not retried', async () => {
    const { f, credit, taskId, querier, p0 } = await loadFixture(paidTaskFixture);
    await expect(credit.connect(f.aggregator).settle(taskId, [requestId(9)], [p0.address], [1]))
      .to.emit(credit, 'RequestUnfunded')
      .withArgs(taskId, p0.address, requestId(9), PRICE);
    expect(await credit.creditOf(p0.address)).to.equal(0n);
    expect(await credit.creditOf(querier.address)).to.equal(PRICE * 100n);
    await expect(credit.connect(f.aggregator).settle(taskId, [requestId(9)], [p0.address], [1])).to.emit(
      credit,
      'RequestAlreadySettled',
    );
  });

  it('splits revenue by scores over accepted rounds; claims plus the remainder sum to what was paid', async () => {
    const { f, credit, taskId, querier, p0, p1, p2 } = await loadFixture(paidTaskFixture);
    const ids = Array.from({ length: 7 }, (_, i) => requestId(100 + i));
    const settled = await (await credit.connect(f.aggregator).settle(taskId, ids, ids.map(() => querier.address), [1, 2, 3, 5, 8, 13, 21])).wait();
    const distributed = settled!.logs
      .map((log) => credit.interface.parseLog(log))
      .find((e) => e?.name === 'RevenueDistributed');
    const paid = PRICE * 53n;
    expect(await credit.creditOf(querier.address)).to.equal(PRICE * 100n - paid);
    expect(await credit.totalWeight(taskId)).to.equal(2_000_000n);
    // weights: p0 800k, p1 700k, p2 500k of 2M
    const expected = [800_000n, 700_000n, 500_000n].map((w) => (paid * w) / 2_000_000n);
    const claimed: bigint[] = [];
    for (const [i, p] of [p0, p1, p2].entries()) {
      const token = await siweLogin(p, credit);
      const owed = await credit.revenueOf(token, taskId);
      expect(owed).to.be.closeTo(expected[i]!, 1n);
      const before = await hre.ethers.provider.getBalance(p.address);
      const receipt = await (await credit.connect(p).claimRevenue(taskId)).wait();
      const gas = receipt!.gasUsed * receipt!.gasPrice;
      claimed.push((await hre.ethers.provider.getBalance(p.address)) - before + gas);
      expect(claimed[i]).to.equal(owed);
    }
    // the division remainder is credited to governance (claimable through a proposal)
    const remainder = distributed!.args.remainder as bigint;
    expect(distributed!.args.amount).to.equal(paid);
    const sum = claimed.reduce((a, b) => a + b, 0n);
    // what stays in the contract is below 1 wei per contributor (documented remainder)
    expect(paid - sum - remainder).to.be.within(0n, 3n);
    await expect(credit.connect(p0).claimRevenue(taskId)).to.be.revertedWithCustomError(credit, 'InferenceCreditNothingToClaim');
  });

  it('revenue before any accepted round is held, then split once a round is accepted', async () => {
    const f = await loadFixture(deployFixture);
    const [p0, p1, , querier] = f.participants;
    const taskId = await createTaskWithParticipants(f, [p0!, p1!]);
    const credit = f.inferenceCredit;
    await passProposal(f, await credit.getAddress(), credit.interface.encodeFunctionData('setPrice', [taskId, 10n]));
    await (await credit.connect(querier!).deposit({ value: 1000n })).wait();
    await (await credit.connect(f.aggregator).settle(taskId, [requestId(1)], [querier!.address], [10])).wait();
    expect(await credit.undistributed(taskId)).to.equal(100n);
    const round = await finalizedRound(f, taskId, [p0!, p1!], [250_000, 750_000]);
    await (await credit.connect(f.aggregator).recordContributions(taskId, round, 1, [p0!.address, p1!.address], [250_000, 750_000])).wait();
    await expect(credit.activateContributions(taskId, round)).to.be.revertedWithCustomError(credit, 'InferenceCreditRoundNotAccepted');
    await time.increase(CHALLENGE_WINDOW);
    await (await f.taskManager.acceptRound(taskId, round)).wait();
    await (await credit.connect(f.aggregator).settle(taskId, [requestId(2)], [querier!.address], [2])).wait();
    expect(await credit.undistributed(taskId)).to.equal(0n);
    expect(await credit.revenueOf(await siweLogin(p0!, credit), taskId)).to.equal(30n);
    expect(await credit.revenueOf(await siweLogin(p1!, credit), taskId)).to.equal(90n);
  });

  it('governance sets prices and pauses; others cannot; only the ROFL app settles and records scores', async () => {
    const { f, credit, taskId, querier, p0 } = await loadFixture(paidTaskFixture);
    await expect(credit.connect(f.outsider).setPrice(taskId, 1n))
      .to.be.revertedWithCustomError(credit, 'InferenceCreditNotGovernance')
      .withArgs(f.outsider.address);
    await expect(credit.connect(f.outsider).setPaused(taskId, true)).to.be.revertedWithCustomError(
      credit,
      'InferenceCreditNotGovernance',
    );
    await passProposal(f, await credit.getAddress(), credit.interface.encodeFunctionData('setPaused', [taskId, true]));
    expect(await credit.isPaused(taskId)).to.equal(true);
    expect(await credit.priceOf(taskId)).to.equal(PRICE);
    await expect(credit.connect(f.operator).settle(taskId, [requestId(1)], [querier.address], [1])).to.be.reverted;
    await expect(credit.connect(f.operator).recordContributions(taskId, 1, 1, [p0.address], [1_000_000])).to.be.reverted;
    await expect(credit.connect(f.aggregator).settle(taskId, [requestId(1)], [], [1]))
      .to.be.revertedWithCustomError(credit, 'InferenceCreditLengthMismatch')
      .withArgs(1, 0, 1);
    await expect(credit.connect(f.aggregator).recordContributions(taskId, 9, 1, [p0.address], [999_999]))
      .to.be.revertedWithCustomError(credit, 'InferenceCreditScoresInvalid')
      .withArgs(taskId, 9);
    await expect(credit.connect(querier).deposit({ value: 0 })).to.be.revertedWithCustomError(credit, 'InferenceCreditZeroDeposit');
  });
});
