import { expect } from 'chai';
import hre from 'hardhat';
import { loadFixture, time } from '@nomicfoundation/hardhat-network-helpers';
import { anyValue } from '@nomicfoundation/hardhat-chai-matchers/withArgs';
import { ethers } from 'ethers';
import {
  creditRoundRewards,
  EXCLUSION_REASON,
  finalizeRoundInPages,
  outcomePages,
  ROUND_FAILURE_REASON,
  ROUND_STATE,
  SCORE_TOTAL,
  siweLogin,
  TaskManager__factory,
} from '../src';
import {
  CHALLENGE_WINDOW,
  REWARD,
  ROUND_DURATION,
  createTaskWithParticipants,
  deployFixture,
  finalizedRound,
  governanceSigner,
  openAndCommit,
  passProposal,
  reportOutcomes,
  splitScores,
  taskParams,
  updateHash,
  type Fixture,
} from './fixtures';

const MODEL_1 = ethers.id('model-1');

describe('TaskManager', () => {
  async function taskFixture() {
    const f = await deployFixture();
    const taskId = await createTaskWithParticipants(f);
    return { f, taskId };
  }

  async function closedRoundFixture() {
    const { f, taskId } = await taskFixture();
    const committers = f.participants.slice(0, 3);
    const round = await openAndCommit(f, taskId, committers);
    await time.increase(ROUND_DURATION);
    await f.taskManager.closeRound(taskId, round);
    return { f, taskId, round, committers };
  }

  function publish(f: Fixture, taskId: bigint, round: bigint, modelHash = MODEL_1) {
    return f.taskManager.connect(f.aggregator).finalizeRound(taskId, round, modelHash, 'blobs/model-1', ethers.id('m'));
  }

  describe('tasks', () => {
    it('creates a task through governance, escrowing rewardPerRound * numRounds in the vault', async () => {
      const { f, taskId } = await loadFixture(taskFixture);
      expect(taskId).to.equal(1n);
      expect(await f.taskManager.taskCount()).to.equal(1n);
      const task = await f.taskManager.getTask(taskId);
      expect(task.params.numRounds).to.equal(2n);
      expect(task.currentModelHash).to.equal(ethers.id('model-0'));
      expect(task.currentModelUri).to.equal('blobs/model-0');
      expect(task.currentRound).to.equal(0n);
      expect(await f.rewardVault.escrowOf(taskId)).to.equal(REWARD * 2n);
      expect(await f.registry.participantsOf(taskId)).to.have.length(4);
    });

    it('emits TaskCreated', async () => {
      const f = await loadFixture(deployFixture);
      const gov = await governanceSigner(f);
      await expect(f.taskManager.connect(gov).createTask(taskParams(), { value: REWARD * 2n }))
        .to.emit(f.taskManager, 'TaskCreated')
        .withArgs(1n, ethers.id('spec'), ethers.id('model-0'), 2n, REWARD)
        .and.to.emit(f.rewardVault, 'EscrowDeposited')
        .withArgs(1n, REWARD * 2n);
    });

    it('only governance creates tasks', async () => {
      const f = await loadFixture(deployFixture);
      await expect(f.taskManager.connect(f.outsider).createTask(taskParams(), { value: REWARD * 2n }))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerNotGovernance')
        .withArgs(f.outsider.address);
    });

    it('validates task parameters and the escrow', async () => {
      const f = await loadFixture(deployFixture);
      const tm = f.taskManager.connect(await governanceSigner(f));
      const bad: [Parameters<typeof taskParams>[0], string][] = [
        [{ minParticipants: 0 }, 'minParticipants'],
        [{ minParticipants: 3, maxParticipants: 2 }, 'maxParticipants'],
        [{ roundDuration: 0 }, 'roundDuration'],
        [{ numRounds: 0 }, 'numRounds'],
        [{ initialModelHash: ethers.ZeroHash }, 'initialModelHash'],
      ];
      for (const [overrides, reason] of bad) {
        await expect(tm.createTask(taskParams(overrides), { value: REWARD * 2n }))
          .to.be.revertedWithCustomError(tm, 'TaskManagerInvalidParams')
          .withArgs(reason);
      }
      await expect(tm.createTask(taskParams(), { value: REWARD }))
        .to.be.revertedWithCustomError(tm, 'TaskManagerEscrowMismatch')
        .withArgs(REWARD * 2n, REWARD);
    });

    it('rejects unknown task ids', async () => {
      const f = await loadFixture(deployFixture);
      await expect(f.taskManager.getTask(1))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerUnknownTask')
        .withArgs(1n);
      await expect(f.taskManager.connect(f.operator).openRound(0))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerUnknownTask')
        .withArgs(0n);
      await expect(f.taskManager.currentRound(7)).to.be.revertedWithCustomError(f.taskManager, 'TaskManagerUnknownTask');
    });

    it('cancels a task: escrow goes to governance, no more rounds, no acceptance', async () => {
      const { f, taskId } = await loadFixture(taskFixture);
      const round = await finalizedRound(f, taskId, f.participants.slice(0, 2));
      const gov = await governanceSigner(f);
      await expect(f.taskManager.connect(gov).cancelTask(taskId))
        .to.emit(f.taskManager, 'TaskCancelled')
        .withArgs(taskId, REWARD * 2n)
        .and.to.emit(f.rewardVault, 'EscrowReleased')
        .withArgs(taskId, REWARD * 2n);
      expect(await f.rewardVault.escrowOf(taskId)).to.equal(0n);
      await expect(f.taskManager.connect(gov).cancelTask(taskId))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerTaskCancelled')
        .withArgs(taskId);
      await expect(f.taskManager.connect(f.operator).openRound(taskId))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerTaskCancelled')
        .withArgs(taskId);
      await time.increase(CHALLENGE_WINDOW);
      await expect(f.taskManager.acceptRound(taskId, round))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerTaskCancelled')
        .withArgs(taskId);
      // governance claims the released escrow through a proposal
      const vault = await f.rewardVault.getAddress();
      const before = await hre.ethers.provider.getBalance(await f.governance.getAddress());
      await passProposal(f, vault, f.rewardVault.interface.encodeFunctionData('claim'));
      expect(await hre.ethers.provider.getBalance(await f.governance.getAddress())).to.equal(before + REWARD * 2n);
    });
  });

  describe('rounds', () => {
    it('runs the whole lifecycle: open, commit, close, finalize, accept, next round, complete', async () => {
      const { f, taskId } = await loadFixture(taskFixture);
      const [p1, p2, p3] = f.participants;
      const tm = f.taskManager;

      const openTx = tm.connect(f.operator).openRound(taskId);
      await expect(openTx).to.emit(tm, 'RoundOpened').withArgs(taskId, 1n, anyValue, ethers.id('model-0'));
      let r = await tm.getRound(taskId, 1);
      expect(r.state).to.equal(BigInt(ROUND_STATE.Open));
      expect(r.deadline - r.openedAt).to.equal(BigInt(ROUND_DURATION));
      expect(r.previousModelHash).to.equal(ethers.id('model-0'));
      expect(r.attempt).to.equal(1n);

      for (const p of [p1!, p2!, p3!]) {
        await expect(tm.connect(p).commit(taskId, 1, updateHash(p.address, 1)))
          .to.emit(tm, 'UpdateCommitted')
          .withArgs(taskId, 1n, p.address, updateHash(p.address, 1));
      }
      expect(await tm.commitmentOf(taskId, 1, p2!.address)).to.equal(updateHash(p2!.address, 1));
      expect(await tm.committedParticipants(taskId, 1)).to.deep.equal([p1!.address, p2!.address, p3!.address]);

      await time.increase(ROUND_DURATION);
      await expect(tm.closeRound(taskId, 1)).to.emit(tm, 'RoundClosed').withArgs(taskId, 1n, 3n);

      await expect(
        tm
          .connect(f.aggregator)
          .reportOutcomes(taskId, 1, [p1!.address, p3!.address], [600_000, 400_000], [p2!.address], [EXCLUSION_REASON.NormExceeded]),
      )
        .to.emit(tm, 'OutcomesReported')
        .withArgs(taskId, 1n, 2n, 1n, 3n);
      await expect(tm.connect(f.aggregator).finalizeRound(taskId, 1, MODEL_1, 'blobs/model-1', ethers.id('metrics-1')))
        .to.emit(tm, 'RoundFinalized')
        .withArgs(taskId, 1n, MODEL_1, 'blobs/model-1', 2n, 1n, ethers.id('metrics-1'));
      r = await tm.getRound(taskId, 1);
      expect(r.state).to.equal(BigInt(ROUND_STATE.Finalized));
      expect(r.modelHash).to.equal(MODEL_1);
      expect(r.includedCount).to.equal(2n);
      expect(r.challengeEndsAt - r.finalizedAt).to.equal(BigInt(CHALLENGE_WINDOW));

      await expect(tm.connect(f.operator).openRound(taskId))
        .to.be.revertedWithCustomError(tm, 'TaskManagerRoundInProgress')
        .withArgs(taskId, 1n, ROUND_STATE.Finalized);

      await time.increase(CHALLENGE_WINDOW);
      await expect(tm.connect(f.outsider).acceptRound(taskId, 1))
        .to.emit(tm, 'RoundAccepted')
        .withArgs(taskId, 1n, MODEL_1)
        .and.to.emit(f.rewardVault, 'RoundRewardReserved')
        .withArgs(taskId, 1n, REWARD);
      const task = await tm.getTask(taskId);
      expect(task.currentModelHash).to.equal(MODEL_1);
      expect(task.acceptedRounds).to.equal(1n);
      expect(await f.rewardVault.escrowOf(taskId)).to.equal(REWARD);
      expect(await f.rewardVault.reservedOf(taskId)).to.equal(REWARD);
      await expect(tm.connect(f.outsider).creditRewards(taskId, 1, 10))
        .to.emit(tm, 'RewardsCredited')
        .withArgs(taskId, 1n, 3n, true)
        .and.to.emit(f.rewardVault, 'RoundCredited')
        .withArgs(taskId, 1n, REWARD, 2n);
      expect(await f.rewardVault.reservedOf(taskId)).to.equal(0n);

      // round 2 carries round 1's model
      await expect(tm.connect(f.operator).openRound(taskId))
        .to.emit(tm, 'RoundOpened')
        .withArgs(taskId, 2n, anyValue, MODEL_1);
      for (const p of [p1!, p2!]) await tm.connect(p).commit(taskId, 2, updateHash(p.address, 2));
      await time.increase(ROUND_DURATION);
      await tm.closeRound(taskId, 2);
      await reportOutcomes(f, taskId, 2n, [p1!.address, p2!.address], [500_000, 500_000]);
      await publish(f, taskId, 2n);
      await time.increase(CHALLENGE_WINDOW);
      await tm.acceptRound(taskId, 2);
      expect(await f.rewardVault.escrowOf(taskId)).to.equal(0n);
      await expect(tm.connect(f.operator).openRound(taskId))
        .to.be.revertedWithCustomError(tm, 'TaskManagerTaskCompleted')
        .withArgs(taskId);
    });

    it('only the operator opens rounds; governance can change the operator', async () => {
      const { f, taskId } = await loadFixture(taskFixture);
      await expect(f.taskManager.connect(f.outsider).openRound(taskId))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerNotOperator')
        .withArgs(f.outsider.address);
      const tm = await f.taskManager.getAddress();
      await passProposal(f, tm, f.taskManager.interface.encodeFunctionData('setOperator', [f.outsider.address]));
      expect(await f.taskManager.operator()).to.equal(f.outsider.address);
      await expect(f.taskManager.connect(f.outsider).openRound(taskId)).to.emit(f.taskManager, 'RoundOpened');
      const gov = await governanceSigner(f);
      await expect(f.taskManager.connect(gov).setOperator(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        f.taskManager,
        'TaskManagerZeroAddress',
      );
      await expect(f.taskManager.connect(f.outsider).setChallengeWindow(1))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerNotGovernance')
        .withArgs(f.outsider.address);
      await expect(f.taskManager.connect(gov).setChallengeWindow(42))
        .to.emit(f.taskManager, 'ChallengeWindowChanged')
        .withArgs(42n);
      expect(await f.taskManager.challengeWindow()).to.equal(42n);
    });

    it('refuses a zero address at construction', async () => {
      const f = await loadFixture(deployFixture);
      const factory = new TaskManager__factory(f.deployer);
      await expect(
        factory.deploy(ethers.ZeroAddress, f.outsider.address, f.outsider.address, f.outsider.address, f.outsider.address, 1),
      ).to.be.revertedWithCustomError(factory, 'TaskManagerZeroAddress');
    });

    it('commit: admitted participants only, once, non-zero, before the deadline, while not full', async () => {
      const { f, taskId } = await loadFixture(taskFixture);
      const tm = f.taskManager;
      const [p1] = f.participants;
      await expect(tm.connect(p1!).commit(taskId, 1, updateHash(p1!.address, 1)))
        .to.be.revertedWithCustomError(tm, 'TaskManagerRoundNotInState')
        .withArgs(taskId, 1n, ROUND_STATE.Open, ROUND_STATE.None);
      await tm.connect(f.operator).openRound(taskId);
      await expect(tm.connect(f.outsider).commit(taskId, 1, updateHash(f.outsider.address, 1)))
        .to.be.revertedWithCustomError(tm, 'TaskManagerNotAdmitted')
        .withArgs(taskId, f.outsider.address);
      await expect(tm.connect(p1!).commit(taskId, 1, ethers.ZeroHash)).to.be.revertedWithCustomError(
        tm,
        'TaskManagerZeroHash',
      );
      await tm.connect(p1!).commit(taskId, 1, updateHash(p1!.address, 1));
      await expect(tm.connect(p1!).commit(taskId, 1, ethers.id('other')))
        .to.be.revertedWithCustomError(tm, 'TaskManagerAlreadyCommitted')
        .withArgs(taskId, 1n, p1!.address);
      const { deadline } = await tm.getRound(taskId, 1);
      await time.increaseTo(deadline);
      const p2 = f.participants[1]!;
      await expect(tm.connect(p2).commit(taskId, 1, updateHash(p2.address, 1)))
        .to.be.revertedWithCustomError(tm, 'TaskManagerDeadlinePassed')
        .withArgs(taskId, 1n, deadline);
    });

    it('a full round refuses commits and can be closed before its deadline', async () => {
      const f = await loadFixture(deployFixture);
      const taskId = await createTaskWithParticipants(f, f.participants.slice(0, 3), { maxParticipants: 2 });
      const [p1, p2, p3] = f.participants;
      await openAndCommit(f, taskId, [p1!]);
      await expect(f.taskManager.closeRound(taskId, 1))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRoundStillOpen')
        .withArgs(taskId, 1n, anyValue);
      await f.taskManager.connect(p2!).commit(taskId, 1, updateHash(p2!.address, 1));
      await expect(f.taskManager.connect(p3!).commit(taskId, 1, updateHash(p3!.address, 1)))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRoundFull')
        .withArgs(taskId, 1n, 2n);
      await expect(f.taskManager.closeRound(taskId, 1)).to.emit(f.taskManager, 'RoundClosed').withArgs(taskId, 1n, 2n);
    });

    it('too few commitments fail the round; it reopens as a new attempt with an empty committed set', async () => {
      const { f, taskId } = await loadFixture(taskFixture);
      const [p1, p2] = f.participants;
      await openAndCommit(f, taskId, [p1!]);
      await time.increase(ROUND_DURATION);
      await expect(f.taskManager.closeRound(taskId, 1))
        .to.emit(f.taskManager, 'RoundFailed')
        .withArgs(taskId, 1n, 1n, ROUND_FAILURE_REASON.TooFewCommitments);
      expect((await f.taskManager.getRound(taskId, 1)).state).to.equal(BigInt(ROUND_STATE.Failed));
      expect((await f.taskManager.getRound(taskId, 1)).failureReason).to.equal(BigInt(ROUND_FAILURE_REASON.TooFewCommitments));
      await expect(f.taskManager.closeRound(taskId, 1))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRoundNotInState')
        .withArgs(taskId, 1n, ROUND_STATE.Open, ROUND_STATE.Failed);

      await expect(f.taskManager.connect(f.operator).openRound(taskId))
        .to.emit(f.taskManager, 'RoundOpened')
        .withArgs(taskId, 1n, anyValue, ethers.id('model-0'));
      const r = await f.taskManager.getRound(taskId, 1);
      expect(r.attempt).to.equal(2n);
      expect(r.committedCount).to.equal(0n);
      expect(await f.taskManager.committedParticipants(taskId, 1)).to.deep.equal([]);
      expect(await f.taskManager.commitmentOf(taskId, 1, p1!.address)).to.equal(ethers.ZeroHash);
      // p1 may commit again in the new attempt
      await f.taskManager.connect(p1!).commit(taskId, 1, updateHash(p1!.address, 1, 2));
      await f.taskManager.connect(p2!).commit(taskId, 1, updateHash(p2!.address, 1, 2));
      expect(await f.taskManager.committedParticipants(taskId, 1)).to.deep.equal([p1!.address, p2!.address]);
    });
  });

  describe('reportOutcomes and finalizeRound', () => {
    it('only an authorized origin of the registered ROFL app may report, finalize or fail', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const addrs = committers.map((p) => p.address);
      // neither an outsider nor the operator (coordinator)
      for (const caller of [f.outsider, f.operator]) {
        const tm = f.taskManager.connect(caller);
        await expect(tm.reportOutcomes(taskId, round, addrs, splitScores(3), [], []))
          .to.be.revertedWithCustomError(f.taskManager, 'RoflOriginNotAuthorizedForApp');
        await expect(tm.finalizeRound(taskId, round, MODEL_1, 'u', ethers.ZeroHash))
          .to.be.revertedWithCustomError(f.taskManager, 'RoflOriginNotAuthorizedForApp');
        await expect(tm.failRound(taskId, round, ROUND_FAILURE_REASON.BelowPrivacyFloor))
          .to.be.revertedWithCustomError(f.taskManager, 'RoflOriginNotAuthorizedForApp');
      }
    });

    it('reverts when no app id is registered', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const gov = await governanceSigner(f);
      await f.aggregatorRegistry.connect(gov).setAppId('0x' + '00'.repeat(21));
      await expect(reportOutcomes(f, taskId, round, committers.map((p) => p.address), splitScores(3)))
        .to.be.revertedWithCustomError(f.taskManager, 'AggregatorOriginAppIdNotSet');
      await expect(publish(f, taskId, round)).to.be.revertedWithCustomError(f.taskManager, 'AggregatorOriginAppIdNotSet');
      await expect(f.taskManager.connect(f.aggregator).failRound(taskId, round, ROUND_FAILURE_REASON.SpecRefused))
        .to.be.revertedWithCustomError(f.taskManager, 'AggregatorOriginAppIdNotSet');
    });

    it('only a closed round takes outcomes; finalizing twice reverts', async () => {
      const { f, taskId } = await loadFixture(taskFixture);
      const round = await openAndCommit(f, taskId, f.participants.slice(0, 2));
      const addrs = f.participants.slice(0, 2).map((p) => p.address);
      await expect(reportOutcomes(f, taskId, round, addrs, [500_000, 500_000]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRoundNotInState')
        .withArgs(taskId, round, ROUND_STATE.Closed, ROUND_STATE.Open);
      await time.increase(ROUND_DURATION);
      await f.taskManager.closeRound(taskId, round);
      await reportOutcomes(f, taskId, round, addrs, [500_000, 500_000]);
      await publish(f, taskId, round);
      await expect(publish(f, taskId, round))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRoundNotInState')
        .withArgs(taskId, round, ROUND_STATE.Closed, ROUND_STATE.Finalized);
      await expect(reportOutcomes(f, taskId, round, [], []))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRoundNotInState')
        .withArgs(taskId, round, ROUND_STATE.Closed, ROUND_STATE.Finalized);
    });

    it('requires a non-zero model hash and matching list lengths', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const addrs = committers.map((p) => p.address);
      await expect(reportOutcomes(f, taskId, round, addrs, [SCORE_TOTAL]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerLengthMismatch')
        .withArgs(3n, 1n);
      await expect(reportOutcomes(f, taskId, round, addrs.slice(0, 2), [500_000, 500_000], [addrs[2]!], []))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerLengthMismatch')
        .withArgs(1n, 0n);
      await reportOutcomes(f, taskId, round, addrs, splitScores(3));
      await expect(publish(f, taskId, round, ethers.ZeroHash)).to.be.revertedWithCustomError(f.taskManager, 'TaskManagerZeroHash');
    });

    it('the pages must together be exactly the committed set, each account once', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const [a, b, c] = committers.map((p) => p.address) as [string, string, string];
      const stranger = f.participants[4]!.address;
      await expect(reportOutcomes(f, taskId, round, [a, stranger], [500_000, 500_000]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerNotCommitted')
        .withArgs(stranger);
      await expect(reportOutcomes(f, taskId, round, [a, a], [500_000, 500_000]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerDuplicateParticipant')
        .withArgs(a);
      await expect(reportOutcomes(f, taskId, round, [a], [500_000], [a], [EXCLUSION_REASON.MissingUpload]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerDuplicateParticipant')
        .withArgs(a);
      // page 1: a; finalizing now is short of the committed set
      await expect(reportOutcomes(f, taskId, round, [a], [500_000])).to.emit(f.taskManager, 'OutcomesReported').withArgs(taskId, round, 1n, 0n, 1n);
      await expect(publish(f, taskId, round))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerSetMismatch')
        .withArgs(3n, 1n);
      // a second page may not repeat an account of the first
      await expect(reportOutcomes(f, taskId, round, [], [], [a], [EXCLUSION_REASON.MissingUpload]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerDuplicateParticipant')
        .withArgs(a);
      await expect(reportOutcomes(f, taskId, round, [c], [500_000], [b], [EXCLUSION_REASON.MissingUpload]))
        .to.emit(f.taskManager, 'OutcomesReported')
        .withArgs(taskId, round, 1n, 1n, 3n);
      await expect(publish(f, taskId, round))
        .to.emit(f.taskManager, 'RoundFinalized')
        .withArgs(taskId, round, MODEL_1, 'blobs/model-1', 2n, 1n, ethers.id('m'));
    });

    it('checks reason codes and the running score total', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const [a, b, c] = committers.map((p) => p.address) as [string, string, string];
      await expect(reportOutcomes(f, taskId, round, [a, b], [500_000, 500_000], [c], [0]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerInvalidReason')
        .withArgs(c, 0);
      await expect(reportOutcomes(f, taskId, round, [a, b], [500_000, 500_000], [c], [11]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerInvalidReason')
        .withArgs(c, 11);
      // over 1e6 across pages reverts at the page that exceeds it
      await reportOutcomes(f, taskId, round, [a], [600_000]);
      await expect(reportOutcomes(f, taskId, round, [b], [500_000]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerScoreSumInvalid')
        .withArgs(BigInt(SCORE_TOTAL), 1_100_000n);
      // under 1e6 in total reverts at finalize
      await reportOutcomes(f, taskId, round, [b, c], [1, 2]);
      await expect(publish(f, taskId, round))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerScoreSumInvalid')
        .withArgs(BigInt(SCORE_TOTAL), 600_003n);
    });

    it('scores summing to 0 (no included update contributed) finalize; the whole reward goes to governance, nobody is paid', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const [a, b, c] = committers.map((p) => p.address) as [string, string, string];
      await reportOutcomes(f, taskId, round, [a, b], [0, 0], [c], [EXCLUSION_REASON.ExampleCountExceeded]);
      await expect(publish(f, taskId, round)).to.emit(f.taskManager, 'RoundFinalized');
      await time.increase(CHALLENGE_WINDOW);
      await f.taskManager.acceptRound(taskId, round);
      await expect(f.taskManager.creditRewards(taskId, round, 10))
        .to.emit(f.rewardVault, 'RoundCredited')
        .withArgs(taskId, round, REWARD, 2n);
      expect(await f.rewardVault.reservedOf(taskId)).to.equal(0n);
      for (const signer of committers.slice(0, 2)) {
        expect(await f.rewardVault.pendingRewardOf(await siweLogin(signer, f.rewardVault))).to.equal(0n);
      }
    });

    it('privacy floor: fewer included than minParticipants cannot be finalized', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const [a, b, c] = committers.map((p) => p.address) as [string, string, string];
      // minParticipants = 2: one included update would be published as the "aggregate"
      await reportOutcomes(f, taskId, round, [a], [SCORE_TOTAL], [b, c], [EXCLUSION_REASON.MissingUpload, EXCLUSION_REASON.NormExceeded]);
      await expect(publish(f, taskId, round))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerBelowPrivacyFloor')
        .withArgs(taskId, round, 1n, 2n);
      // nobody included: the same
      const second = await loadFixture(closedRoundFixture);
      await reportOutcomes(second.f, second.taskId, second.round, [], [], [a, b, c], [4, 4, 4]);
      await expect(publish(second.f, second.taskId, second.round))
        .to.be.revertedWithCustomError(second.f.taskManager, 'TaskManagerBelowPrivacyFloor')
        .withArgs(second.taskId, second.round, 0n, 2n);
    });

    it('failRound: a closed round fails with the aggregator\'s reason, nothing is paid, and it reopens', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const tm = f.taskManager.connect(f.aggregator);
      for (const bad of [0, ROUND_FAILURE_REASON.TooFewCommitments, 6]) {
        await expect(tm.failRound(taskId, round, bad))
          .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerInvalidFailureReason')
          .withArgs(bad);
      }
      // a partly reported round may still fail (the aggregator found the floor broken after a page)
      await reportOutcomes(f, taskId, round, [committers[0]!.address], [SCORE_TOTAL]);
      await expect(tm.failRound(taskId, round, ROUND_FAILURE_REASON.BelowPrivacyFloor))
        .to.emit(f.taskManager, 'RoundFailed')
        .withArgs(taskId, round, 3n, ROUND_FAILURE_REASON.BelowPrivacyFloor);
      const r = await f.taskManager.getRound(taskId, round);
      expect(r.state).to.equal(BigInt(ROUND_STATE.Failed));
      expect(r.failureReason).to.equal(BigInt(ROUND_FAILURE_REASON.BelowPrivacyFloor));
      await expect(tm.failRound(taskId, round, ROUND_FAILURE_REASON.AggregationFailed))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRoundNotInState')
        .withArgs(taskId, round, ROUND_STATE.Closed, ROUND_STATE.Failed);
      await expect(publish(f, taskId, round))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRoundNotInState')
        .withArgs(taskId, round, ROUND_STATE.Closed, ROUND_STATE.Failed);
      expect(await f.rewardVault.escrowOf(taskId)).to.equal(REWARD * 2n);
      expect(await f.rewardVault.reservedOf(taskId)).to.equal(0n);
      // the operator reopens it as a new attempt: no outcome, no failure reason carried over
      await expect(f.taskManager.connect(f.operator).openRound(taskId)).to.emit(f.taskManager, 'RoundOpened');
      const reopened = await f.taskManager.getRound(taskId, round);
      expect(reopened.attempt).to.equal(2n);
      expect(reopened.failureReason).to.equal(0n);
      expect(reopened.reportedCount).to.equal(0n);
    });

    it('every failure reason the aggregator may send is accepted (2..5) and read back from the contract', async () => {
      expect(ROUND_FAILURE_REASON.TooFewCommitments).to.equal(1);
      const f0 = await loadFixture(closedRoundFixture);
      expect(await f0.f.taskManager.TOO_FEW_COMMITMENTS()).to.equal(BigInt(ROUND_FAILURE_REASON.TooFewCommitments));
      expect(await f0.f.taskManager.BELOW_PRIVACY_FLOOR()).to.equal(BigInt(ROUND_FAILURE_REASON.BelowPrivacyFloor));
      expect(await f0.f.taskManager.MAX_FAILURE_REASON()).to.equal(BigInt(ROUND_FAILURE_REASON.AggregationFailed));
      for (const reason of [
        ROUND_FAILURE_REASON.SpecRefused,
        ROUND_FAILURE_REASON.ModelUnavailable,
        ROUND_FAILURE_REASON.AggregationFailed,
      ]) {
        const { f, taskId, round } = await loadFixture(closedRoundFixture);
        await expect(f.taskManager.connect(f.aggregator).failRound(taskId, round, reason))
          .to.emit(f.taskManager, 'RoundFailed')
          .withArgs(taskId, round, 3n, reason);
      }
    });

    it('outcomes are readable by the RewardVault only', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      await expect(f.taskManager.connect(f.members[0]!).outcomeOf(taskId, round, committers[0]!.address))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerNotRewardVault')
        .withArgs(f.members[0]!.address);
    });
  });

  describe('paged finalize and credit', () => {
    // 7 participants, reported in pages of 3 (3 + 3 + 1), credited in pages of 3; one excluded in the middle page.
    async function sevenFixture() {
      const f = await deployFixture();
      const signers = (await hre.ethers.getSigners()).slice(6, 13);
      const taskId = await createTaskWithParticipants(f, signers, { minParticipants: 5, maxParticipants: 7, rewardPerRound: REWARD + 7n });
      const round = await openAndCommit(f, taskId, signers);
      await f.taskManager.closeRound(taskId, round); // full: closable before the deadline
      return { f, taskId, round, signers };
    }

    it('7 participants in pages of 3 finalize and are credited exactly the round reward', async () => {
      const { f, taskId, round, signers } = await loadFixture(sevenFixture);
      const addrs = signers.map((s) => s.address);
      const included = addrs.filter((_, i) => i !== 4);
      const scores = [100_001, 200_000, 150_000, 149_999, 250_000, 150_000];
      const excluded = [addrs[4]!];
      const reasons = [EXCLUSION_REASON.NonFinite];
      const pages = outcomePages({ included, scores, excluded, reasons }, 3);
      expect(pages.map((p) => p.included.length + p.excluded.length)).to.deep.equal([3, 3, 1]);
      const tm = f.taskManager.connect(f.aggregator);
      for (const page of pages) await tm.reportOutcomes(taskId, round, page.included, page.scores, page.excluded, page.reasons);
      await expect(tm.finalizeRound(taskId, round, MODEL_1, 'blobs/model-1', ethers.id('m')))
        .to.emit(f.taskManager, 'RoundFinalized')
        .withArgs(taskId, round, MODEL_1, 'blobs/model-1', 6n, 1n, ethers.id('m'));
      await time.increase(CHALLENGE_WINDOW);
      await f.taskManager.acceptRound(taskId, round);
      const reward = REWARD + 7n;
      await expect(f.taskManager.creditRewards(taskId, round, 0)).to.be.revertedWithCustomError(f.taskManager, 'TaskManagerZeroPageSize');
      await expect(f.taskManager.connect(f.outsider).creditRewards(taskId, round, 3))
        .to.emit(f.taskManager, 'RewardsCredited')
        .withArgs(taskId, round, 3n, false);
      await expect(f.taskManager.connect(f.outsider).creditRewards(taskId, round, 3))
        .to.emit(f.taskManager, 'RewardsCredited')
        .withArgs(taskId, round, 6n, false);
      await expect(f.taskManager.connect(f.outsider).creditRewards(taskId, round, 3))
        .to.emit(f.taskManager, 'RewardsCredited')
        .withArgs(taskId, round, 7n, true);
      await expect(f.taskManager.creditRewards(taskId, round, 3))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRewardsCredited')
        .withArgs(taskId, round);
      // the whole reward left the reserve: participants' floors + governance's remainder
      expect(await f.rewardVault.reservedOf(taskId)).to.equal(0n);
      for (const [k, signer] of signers.entries()) {
        const token = await siweLogin(signer, f.rewardVault);
        const score = k < 4 ? scores[k]! : k === 4 ? 0 : scores[k - 1]!;
        expect(await f.rewardVault.pendingRewardOf(token)).to.equal((reward * BigInt(score)) / 1_000_000n);
      }
    });

    it('creditRewards needs an accepted round; a cancelled task keeps the reserved reward for its participants', async () => {
      const { f, taskId, round, signers } = await loadFixture(sevenFixture);
      const addrs = signers.map((s) => s.address);
      await expect(f.taskManager.creditRewards(taskId, round, 3))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRoundNotInState')
        .withArgs(taskId, round, ROUND_STATE.Accepted, ROUND_STATE.Closed);
      await finalizeRoundInPages(f.taskManager.connect(f.aggregator), {
        taskId, round, modelHash: MODEL_1, modelUri: 'blobs/model-1', metricsHash: ethers.id('m'),
        included: addrs, scores: [400_000, 100_000, 100_000, 100_000, 100_000, 100_000, 100_000], excluded: [], reasons: [],
      }, { pageSize: 2 });
      await time.increase(CHALLENGE_WINDOW);
      await f.taskManager.acceptRound(taskId, round);
      await passProposal(f, await f.taskManager.getAddress(), f.taskManager.interface.encodeFunctionData('cancelTask', [taskId]));
      expect(await f.rewardVault.reservedOf(taskId)).to.equal(REWARD + 7n);
      const receipts = await creditRoundRewards(f.taskManager, taskId, round, { pageSize: 4 });
      expect(receipts).to.have.length(2);
      expect(await f.rewardVault.reservedOf(taskId)).to.equal(0n);
      const token = await siweLogin(signers[0]!, f.rewardVault);
      expect(await f.rewardVault.pendingRewardOf(token)).to.equal(((REWARD + 7n) * 400_000n) / 1_000_000n);
      expect(await creditRoundRewards(f.taskManager, taskId, round)).to.deep.equal([]);
    });
  });

  describe('accept and reject', () => {
    it('accept waits for the challenge window; reject only within it, by governance; a rejected round reopens', async () => {
      const { f, taskId } = await loadFixture(taskFixture);
      const committers = f.participants.slice(0, 2);
      const round = await finalizedRound(f, taskId, committers);
      const { challengeEndsAt } = await f.taskManager.getRound(taskId, round);
      await expect(f.taskManager.acceptRound(taskId, round))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerChallengeWindowOpen')
        .withArgs(taskId, round, challengeEndsAt);
      await expect(f.taskManager.connect(f.outsider).rejectRound(taskId, round))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerNotGovernance')
        .withArgs(f.outsider.address);

      // governance rejects through a proposal (early execution by absolute majority)
      const tm = await f.taskManager.getAddress();
      await passProposal(f, tm, f.taskManager.interface.encodeFunctionData('rejectRound', [taskId, round]));
      expect((await f.taskManager.getRound(taskId, round)).state).to.equal(BigInt(ROUND_STATE.Rejected));
      await expect(f.taskManager.acceptRound(taskId, round))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRoundNotInState')
        .withArgs(taskId, round, ROUND_STATE.Finalized, ROUND_STATE.Rejected);
      // the rejected model is not adopted; reopening carries the previous model
      await expect(f.taskManager.connect(f.operator).openRound(taskId))
        .to.emit(f.taskManager, 'RoundOpened')
        .withArgs(taskId, round, anyValue, ethers.id('model-0'));
      expect((await f.taskManager.getRound(taskId, round)).attempt).to.equal(2n);
    });

    it('reject after the window reverts', async () => {
      const { f, taskId } = await loadFixture(taskFixture);
      const round = await finalizedRound(f, taskId, f.participants.slice(0, 2));
      const { challengeEndsAt } = await f.taskManager.getRound(taskId, round);
      await time.increaseTo(challengeEndsAt);
      const gov = await governanceSigner(f);
      await expect(f.taskManager.connect(gov).rejectRound(taskId, round))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerChallengeWindowClosed')
        .withArgs(taskId, round, challengeEndsAt);
      await expect(f.taskManager.acceptRound(taskId, round)).to.emit(f.taskManager, 'RoundAccepted');
    });

    it('emits RoundRejected', async () => {
      const { f, taskId } = await loadFixture(taskFixture);
      const round = await finalizedRound(f, taskId, f.participants.slice(0, 2));
      const gov = await governanceSigner(f);
      await expect(f.taskManager.connect(gov).rejectRound(taskId, round))
        .to.emit(f.taskManager, 'RoundRejected')
        .withArgs(taskId, round);
    });
  });
});
