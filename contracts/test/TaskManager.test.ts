import { expect } from 'chai';
import hre from 'hardhat';
import { loadFixture, time } from '@nomicfoundation/hardhat-network-helpers';
import { anyValue } from '@nomicfoundation/hardhat-chai-matchers/withArgs';
import { ethers } from 'ethers';
import { EXCLUSION_REASON, ROUND_STATE, SCORE_TOTAL, TaskManager__factory } from '../src';
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

  function finalize(
    f: Fixture,
    taskId: bigint,
    round: bigint,
    included: string[],
    scores: number[],
    excluded: string[] = [],
    reasons: number[] = [],
    modelHash = MODEL_1,
  ) {
    return f.taskManager
      .connect(f.aggregator)
      .finalizeRound(taskId, round, modelHash, 'blobs/model-1', included, scores, excluded, reasons, ethers.id('m'));
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
          .finalizeRound(
            taskId,
            1,
            MODEL_1,
            'blobs/model-1',
            [p1!.address, p3!.address],
            [600_000, 400_000],
            [p2!.address],
            [EXCLUSION_REASON.NormExceeded],
            ethers.id('metrics-1'),
          ),
      )
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
        .and.to.emit(f.rewardVault, 'RoundCredited')
        .withArgs(taskId, 1n, REWARD, 2n);
      const task = await tm.getTask(taskId);
      expect(task.currentModelHash).to.equal(MODEL_1);
      expect(task.acceptedRounds).to.equal(1n);
      expect(await f.rewardVault.escrowOf(taskId)).to.equal(REWARD);

      // round 2 carries round 1's model
      await expect(tm.connect(f.operator).openRound(taskId))
        .to.emit(tm, 'RoundOpened')
        .withArgs(taskId, 2n, anyValue, MODEL_1);
      for (const p of [p1!, p2!]) await tm.connect(p).commit(taskId, 2, updateHash(p.address, 2));
      await time.increase(ROUND_DURATION);
      await tm.closeRound(taskId, 2);
      await finalize(f, taskId, 2n, [p1!.address, p2!.address], [500_000, 500_000]);
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
      await expect(f.taskManager.closeRound(taskId, 1)).to.emit(f.taskManager, 'RoundFailed').withArgs(taskId, 1n, 1n);
      expect((await f.taskManager.getRound(taskId, 1)).state).to.equal(BigInt(ROUND_STATE.Failed));
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

  describe('finalizeRound', () => {
    it('only an authorized origin of the registered ROFL app may finalize', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const addrs = committers.map((p) => p.address);
      await expect(
        f.taskManager
          .connect(f.outsider)
          .finalizeRound(taskId, round, MODEL_1, 'u', addrs, splitScores(3), [], [], ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.taskManager, 'RoflOriginNotAuthorizedForApp');
      // the operator (coordinator) cannot either
      await expect(
        f.taskManager
          .connect(f.operator)
          .finalizeRound(taskId, round, MODEL_1, 'u', addrs, splitScores(3), [], [], ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.taskManager, 'RoflOriginNotAuthorizedForApp');
    });

    it('reverts when no app id is registered', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const gov = await governanceSigner(f);
      await f.aggregatorRegistry.connect(gov).setAppId('0x' + '00'.repeat(21));
      await expect(
        finalize(f, taskId, round, committers.map((p) => p.address), splitScores(3)),
      ).to.be.revertedWithCustomError(f.taskManager, 'TaskManagerAppIdNotSet');
    });

    it('finalizing twice reverts (a retried aggregation cannot finalize again)', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const addrs = committers.map((p) => p.address);
      await finalize(f, taskId, round, addrs, splitScores(3));
      await expect(finalize(f, taskId, round, addrs, splitScores(3)))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerRoundNotInState')
        .withArgs(taskId, round, ROUND_STATE.Closed, ROUND_STATE.Finalized);
    });

    it('requires a non-zero model hash and matching list lengths', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const addrs = committers.map((p) => p.address);
      await expect(
        finalize(f, taskId, round, addrs, splitScores(3), [], [], ethers.ZeroHash),
      ).to.be.revertedWithCustomError(f.taskManager, 'TaskManagerZeroHash');
      await expect(finalize(f, taskId, round, addrs, [SCORE_TOTAL]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerLengthMismatch')
        .withArgs(3n, 1n);
      await expect(finalize(f, taskId, round, addrs.slice(0, 2), [500_000, 500_000], [addrs[2]!], []))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerLengthMismatch')
        .withArgs(1n, 0n);
    });

    it('included + excluded must be exactly the committed set', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const [a, b, c] = committers.map((p) => p.address) as [string, string, string];
      // too few
      await expect(finalize(f, taskId, round, [a, b], [500_000, 500_000]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerSetMismatch')
        .withArgs(3n, 2n);
      // right count, but one never committed
      const stranger = f.participants[4]!.address;
      await expect(finalize(f, taskId, round, [a, b, stranger], splitScores(3)))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerNotCommitted')
        .withArgs(stranger);
      // right count, duplicate inside `included`
      await expect(finalize(f, taskId, round, [a, b, a], splitScores(3)))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerDuplicateParticipant')
        .withArgs(a);
      // right count, the same participant both included and excluded
      await expect(finalize(f, taskId, round, [a, b], [500_000, 500_000], [b], [EXCLUSION_REASON.MissingUpload]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerDuplicateParticipant')
        .withArgs(b);
      // and the correct partition passes
      await expect(
        finalize(f, taskId, round, [a, c], [500_000, 500_000], [b], [EXCLUSION_REASON.MissingUpload]),
      ).to.emit(f.taskManager, 'RoundFinalized');
    });

    it('checks reason codes and the score total', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const [a, b, c] = committers.map((p) => p.address) as [string, string, string];
      await expect(finalize(f, taskId, round, [a, b], [500_000, 500_000], [c], [0]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerInvalidReason')
        .withArgs(c, 0);
      await expect(finalize(f, taskId, round, [a, b], [500_000, 500_000], [c], [11]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerInvalidReason')
        .withArgs(c, 11);
      await expect(finalize(f, taskId, round, [a, b, c], [1, 2, 3]))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerScoreSumInvalid')
        .withArgs(BigInt(SCORE_TOTAL), 6n);
    });

    it('a round where everybody is excluded finalizes with no scores; its reward goes to governance', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const addrs = committers.map((p) => p.address);
      await expect(
        finalize(f, taskId, round, [], [], addrs, [EXCLUSION_REASON.DecryptFailed, 4, 4], ethers.id('model-0')),
      )
        .to.emit(f.taskManager, 'RoundFinalized')
        .withArgs(taskId, round, ethers.id('model-0'), 'blobs/model-1', 0n, 3n, anyValue);
      await time.increase(CHALLENGE_WINDOW);
      await expect(f.taskManager.acceptRound(taskId, round))
        .to.emit(f.rewardVault, 'RoundCredited')
        .withArgs(taskId, round, REWARD, 0n);
    });

    it('scores summing to 0 (no update contributed) finalize; the whole reward goes to governance, nobody is paid', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      const [a, b, c] = committers.map((p) => p.address) as [string, string, string];
      await expect(finalize(f, taskId, round, [a, b], [0, 0], [c], [EXCLUSION_REASON.ExampleCountExceeded])).to.emit(
        f.taskManager,
        'RoundFinalized',
      );
      await time.increase(CHALLENGE_WINDOW);
      await expect(f.taskManager.acceptRound(taskId, round))
        .to.emit(f.rewardVault, 'RoundCredited')
        .withArgs(taskId, round, REWARD, 2n);
    });

    it('outcomes are readable by the RewardVault only', async () => {
      const { f, taskId, round, committers } = await loadFixture(closedRoundFixture);
      await expect(f.taskManager.connect(f.members[0]!).outcomeOf(taskId, round, committers[0]!.address))
        .to.be.revertedWithCustomError(f.taskManager, 'TaskManagerNotRewardVault')
        .withArgs(f.members[0]!.address);
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
