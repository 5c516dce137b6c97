import { expect } from 'chai';
import hre from 'hardhat';
import { loadFixture, time } from '@nomicfoundation/hardhat-network-helpers';
import { ethers } from 'ethers';
import {
  buildSiweMessage,
  CONTRACTS_ERROR_CODES,
  ReentrantClaimer__factory,
  RewardVault__factory,
  siweLogin,
  type ContractsError,
} from '../src';
import {
  CHALLENGE_WINDOW,
  REWARD,
  ROUND_DURATION,
  createTaskWithParticipants,
  deployFixture,
  acceptAndCredit,
  finalizeWith,
  finalizedRound,
  governanceSigner,
  passProposal,
  updateHash,
} from './fixtures';

describe('RewardVault', () => {
  // Round 1 of a task with reward R per round: p0 and p1 included with 333_333 / 666_667, p2 excluded (reason 8), accepted.
  async function acceptedRoundFixture() {
    const f = await deployFixture();
    const [p0, p1, p2] = f.participants;
    const taskId = await createTaskWithParticipants(f, [p0!, p1!, p2!], { rewardPerRound: R });
    await f.taskManager.connect(f.operator).openRound(taskId);
    for (const p of [p0!, p1!, p2!]) await f.taskManager.connect(p).commit(taskId, 1, updateHash(p.address, 1));
    await time.increase(ROUND_DURATION);
    await f.taskManager.closeRound(taskId, 1);
    await finalizeWith(f, taskId, 1n, { included: [p0!.address, p1!.address], scores: [333_333, 666_667], excluded: [p2!.address], reasons: [8] });
    await time.increase(CHALLENGE_WINDOW);
    await acceptAndCredit(f, taskId, 1n);
    return { f, taskId, p0: p0!, p1: p1!, p2: p2! };
  }

  // not a multiple of 1e6, so the split leaves rounding dust
  const R = REWARD + 7n;
  const share = (score: bigint) => (R * score) / 1_000_000n;

  describe('confidential reads (SiweAuth token path)', () => {
    it('a participant reads its own score and reward with a token', async () => {
      const { f, taskId, p0, p1, p2 } = await loadFixture(acceptedRoundFixture);
      const vault = f.rewardVault.connect(f.outsider); // the token, not msg.sender, identifies the reader
      const t0 = await siweLogin(p0, vault);
      const s0 = await vault.scoreOf(t0, taskId, 1);
      expect(s0.included).to.equal(true);
      expect(s0.score).to.equal(333_333n);
      expect(s0.reward).to.equal(share(333_333n));
      expect(await vault.pendingRewardOf(t0)).to.equal(share(333_333n));
      const t1 = await siweLogin(p1, vault);
      expect((await vault.scoreOf(t1, taskId, 1)).score).to.equal(666_667n);
      const t2 = await siweLogin(p2, vault);
      const s2 = await vault.scoreOf(t2, taskId, 1);
      expect(s2.included).to.equal(false);
      expect(s2.reason).to.equal(8n);
      expect(s2.score).to.equal(0n);
      expect(s2.reward).to.equal(0n);
      expect(await vault.pendingRewardOf(t2)).to.equal(0n);
    });

    it('rounding dust goes to governance, which claims it through a proposal', async () => {
      const { f } = await loadFixture(acceptedRoundFixture);
      const dust = R - share(333_333n) - share(666_667n);
      expect(dust).to.equal(1n);
      expect(await f.rewardVault.escrowOf(1)).to.equal(R);
      const govAddress = await f.governance.getAddress();
      const before = await hre.ethers.provider.getBalance(govAddress);
      await passProposal(f, await f.rewardVault.getAddress(), f.rewardVault.interface.encodeFunctionData('claim'));
      expect(await hre.ethers.provider.getBalance(govAddress)).to.equal(before + dust);
    });

    it('a non-participant cannot read scores; an empty token is refused', async () => {
      const { f, taskId } = await loadFixture(acceptedRoundFixture);
      const token = await siweLogin(f.outsider, f.rewardVault);
      await expect(f.rewardVault.scoreOf(token, taskId, 1))
        .to.be.revertedWithCustomError(f.rewardVault, 'RewardVaultNotParticipant')
        .withArgs(f.outsider.address, taskId, 1n);
      await expect(f.rewardVault.scoreOfParticipant(token, taskId, 1, f.participants[0]!.address))
        .to.be.revertedWithCustomError(f.rewardVault, 'RewardVaultNotMember')
        .withArgs(f.outsider.address);
      await expect(f.rewardVault.connect(f.participants[0]!).scoreOf('0x', taskId, 1)).to.be.revertedWithCustomError(
        f.rewardVault,
        'RewardVaultNotAuthenticated',
      );
      await expect(f.rewardVault.pendingRewardOf('0x')).to.be.revertedWithCustomError(
        f.rewardVault,
        'RewardVaultNotAuthenticated',
      );
    });

    it('a participant cannot read another participant; governance members read all', async () => {
      const { f, taskId, p0, p1 } = await loadFixture(acceptedRoundFixture);
      const t0 = await siweLogin(p0, f.rewardVault);
      await expect(f.rewardVault.scoreOfParticipant(t0, taskId, 1, p1.address))
        .to.be.revertedWithCustomError(f.rewardVault, 'RewardVaultNotMember')
        .withArgs(p0.address);
      const tm = await siweLogin(f.members[2]!, f.rewardVault);
      const s1 = await f.rewardVault.scoreOfParticipant(tm, taskId, 1, p1.address);
      expect(s1.committed).to.equal(true);
      expect(s1.score).to.equal(666_667n);
      expect(s1.reward).to.equal(share(666_667n));
      const none = await f.rewardVault.scoreOfParticipant(tm, taskId, 1, f.outsider.address);
      expect(none.committed).to.equal(false);
    });

    it('tokens are bound to the domain, expire, and cannot be tampered with', async () => {
      const { f, taskId, p0 } = await loadFixture(acceptedRoundFixture);
      expect(await f.rewardVault.domain()).to.equal('cloister.test');
      const refused = await siweLogin(p0, f.rewardVault, 'evil.example').then(
        () => undefined,
        (error: unknown) => error as ContractsError,
      );
      expect(refused?.code).to.equal(CONTRACTS_ERROR_CODES.siweLoginFailed);
      const network = await hre.ethers.provider.getNetwork();
      const now = await time.latest();
      const message = buildSiweMessage({
        domain: 'evil.example',
        address: p0.address,
        statement: 'x',
        chainId: network.chainId,
        nonce: 'abcdef0123',
        issuedAt: now,
        expiresAt: now + 60,
      });
      const sig = ethers.Signature.from(await p0.signMessage(message));
      await expect(f.rewardVault.login(message, { r: sig.r, s: sig.s, v: sig.v })).to.be.revertedWithCustomError(
        f.rewardVault,
        'SiweAuth_DomainMismatch',
      );

      const token = await siweLogin(p0, f.rewardVault, undefined, { validitySeconds: 60 });
      const tampered = token.slice(0, -2) + (token.endsWith('00') ? '01' : '00');
      await expect(f.rewardVault.scoreOf(tampered, taskId, 1)).to.be.revertedWith('decrypt: failed');
      expect((await f.rewardVault.scoreOf(token, taskId, 1)).score).to.equal(333_333n);
      await time.increase(120);
      await expect(f.rewardVault.scoreOf(token, taskId, 1)).to.be.revertedWithCustomError(
        f.rewardVault,
        'SiweAuth_Expired',
      );
    });
  });

  describe('claim', () => {
    it('pays the pending balance once; claiming twice reverts', async () => {
      const { f, p0 } = await loadFixture(acceptedRoundFixture);
      const vault = f.rewardVault.connect(p0);
      const tx = vault.claim();
      await expect(tx).to.changeEtherBalances([p0, vault], [share(333_333n), -share(333_333n)]);
      await expect(tx).to.emit(vault, 'RewardClaimed').withArgs(p0.address);
      await expect(vault.claim()).to.be.revertedWithCustomError(vault, 'RewardVaultNothingToClaim').withArgs(p0.address);
      expect(await vault.pendingRewardOf(await siweLogin(p0, vault))).to.equal(0n);
    });

    it('a reentrant claim is blocked by the guard and pays once', async () => {
      const f = await loadFixture(deployFixture);
      const attacker = await new ReentrantClaimer__factory(f.deployer).deploy(await f.rewardVault.getAddress());
      const attackerAddress = await attacker.getAddress();
      const [p0] = f.participants;
      // the attacker contract is an admitted participant that commits and gets included
      const taskId = await createTaskWithParticipants(f, [p0!]);
      await passProposal(
        f,
        await f.registry.getAddress(),
        f.registry.interface.encodeFunctionData('admit', [taskId, attackerAddress, 'attacker', '']),
      );
      await f.taskManager.connect(f.operator).openRound(taskId);
      await f.taskManager.connect(p0!).commit(taskId, 1, updateHash(p0!.address, 1));
      await attacker.commitTo(await f.taskManager.getAddress(), taskId, 1, updateHash(attackerAddress, 1));
      await time.increase(ROUND_DURATION);
      await f.taskManager.closeRound(taskId, 1);
      await finalizeWith(f, taskId, 1n, { included: [p0!.address, attackerAddress], scores: [500_000, 500_000] });
      await time.increase(CHALLENGE_WINDOW);
      await acceptAndCredit(f, taskId, 1n);

      const vaultBalance = await hre.ethers.provider.getBalance(await f.rewardVault.getAddress());
      await expect(attacker.attack()).to.changeEtherBalances([attacker, f.rewardVault], [REWARD / 2n, -(REWARD / 2n)]);
      expect(await attacker.receivedCount()).to.equal(1n);
      expect(await attacker.reentered()).to.equal(false);
      const guardError = f.rewardVault.interface.getError('ReentrancyGuardReentrantCall')!.selector;
      expect(await attacker.lastRevertData()).to.equal(guardError);
      expect(await hre.ethers.provider.getBalance(await f.rewardVault.getAddress())).to.equal(vaultBalance - REWARD / 2n);
      await expect(attacker.attack())
        .to.be.revertedWithCustomError(f.rewardVault, 'RewardVaultNothingToClaim')
        .withArgs(attackerAddress);
    });

    it('a failed transfer reverts and keeps the balance', async () => {
      const f = await loadFixture(deployFixture);
      const gov = await governanceSigner(f);
      const vault = await new RewardVault__factory(f.deployer).deploy(gov.address, 'd');
      const claimer = await new ReentrantClaimer__factory(f.deployer).deploy(await vault.getAddress());
      await claimer.setMode(1); // Reject
      await vault.bindTaskManager(f.deployer.address);
      await vault.depositEscrow(1, { value: 100 });
      await vault.reserveRoundReward(1, 1, 100);
      await vault.creditRewards(1, 1, [await claimer.getAddress()], [100], 0);
      await expect(claimer.attack())
        .to.be.revertedWithCustomError(vault, 'RewardVaultTransferFailed')
        .withArgs(await claimer.getAddress(), 100n);
      await claimer.setMode(0);
      await expect(claimer.attack()).to.changeEtherBalance(claimer, 100n);
    });
  });

  describe('escrow accounting (TaskManager only)', () => {
    it('guards the TaskManager entry points and the one-time binding', async () => {
      const f = await loadFixture(deployFixture);
      await expect(f.rewardVault.connect(f.outsider).depositEscrow(1, { value: 1 }))
        .to.be.revertedWithCustomError(f.rewardVault, 'RewardVaultNotTaskManager')
        .withArgs(f.outsider.address);
      await expect(f.rewardVault.connect(f.outsider).bindTaskManager(f.outsider.address))
        .to.be.revertedWithCustomError(f.rewardVault, 'RewardVaultNotDeployer')
        .withArgs(f.outsider.address);
      await expect(f.rewardVault.connect(f.deployer).bindTaskManager(f.outsider.address))
        .to.be.revertedWithCustomError(f.rewardVault, 'RewardVaultAlreadyBound')
        .withArgs(await f.taskManager.getAddress());
      expect(await f.rewardVault.taskManager()).to.equal(await f.taskManager.getAddress());

      const factory = new RewardVault__factory(f.deployer);
      await expect(factory.deploy(ethers.ZeroAddress, 'd')).to.be.revertedWithCustomError(factory, 'RewardVaultZeroAddress');
      const fresh = await factory.deploy(f.outsider.address, 'd');
      await expect(fresh.bindTaskManager(ethers.ZeroAddress)).to.be.revertedWithCustomError(fresh, 'RewardVaultZeroAddress');
      await expect(fresh.depositEscrow(1, { value: 1 })).to.be.revertedWithCustomError(fresh, 'RewardVaultNotTaskManager');
    });

    it('checks escrow, reserve and lengths when reserving and crediting', async () => {
      const f = await loadFixture(deployFixture);
      const gov = f.outsider.address;
      const vault = await new RewardVault__factory(f.deployer).deploy(gov, 'd');
      await vault.bindTaskManager(f.deployer.address);
      await expect(vault.depositEscrow(1, { value: 100 })).to.emit(vault, 'EscrowDeposited').withArgs(1n, 100n);
      const a = f.participants[0]!.address;
      await expect(vault.reserveRoundReward(1, 1, 101))
        .to.be.revertedWithCustomError(vault, 'RewardVaultInsufficientEscrow')
        .withArgs(1n, 100n, 101n);
      await expect(vault.reserveRoundReward(1, 1, 50)).to.emit(vault, 'RoundRewardReserved').withArgs(1n, 1n, 50n);
      expect(await vault.escrowOf(1)).to.equal(50n);
      expect(await vault.reservedOf(1)).to.equal(50n);
      await expect(vault.creditRewards(1, 1, [a], [], 0))
        .to.be.revertedWithCustomError(vault, 'RewardVaultLengthMismatch')
        .withArgs(1n, 0n);
      await expect(vault.creditRewards(1, 1, [a, a], [30, 30], 0))
        .to.be.revertedWithCustomError(vault, 'RewardVaultInsufficientReserve')
        .withArgs(1n, 50n, 60n);
      await expect(vault.creditRewards(1, 1, [a], [30], 21))
        .to.be.revertedWithCustomError(vault, 'RewardVaultInsufficientReserve')
        .withArgs(1n, 50n, 51n);
      await expect(vault.creditRewards(1, 1, [a], [30], 5)).to.emit(vault, 'RoundCredited').withArgs(1n, 1n, 35n, 1n);
      await expect(vault.creditRewards(1, 1, [], [], 15)).to.emit(vault, 'RoundCredited').withArgs(1n, 1n, 15n, 0n);
      expect(await vault.reservedOf(1)).to.equal(0n);
      // the reserve is not escrow: releasing the task's escrow leaves accepted rounds' rewards alone
      await expect(vault.releaseEscrow(1)).to.emit(vault, 'EscrowReleased').withArgs(1n, 50n);
      await expect(vault.connect(f.outsider).reserveRoundReward(1, 1, 1))
        .to.be.revertedWithCustomError(vault, 'RewardVaultNotTaskManager')
        .withArgs(f.outsider.address);
      await expect(vault.connect(f.outsider).creditRewards(1, 1, [], [], 0))
        .to.be.revertedWithCustomError(vault, 'RewardVaultNotTaskManager')
        .withArgs(f.outsider.address);
    });
  });

  it('a participant with rewards in two rounds accumulates them', async () => {
    const f = await loadFixture(deployFixture);
    const [p0, p1] = f.participants;
    const taskId = await createTaskWithParticipants(f, [p0!, p1!]);
    for (let r = 0; r < 2; r++) {
      const round = await finalizedRound(f, taskId, [p0!, p1!], [250_000, 750_000]);
      await time.increase(CHALLENGE_WINDOW);
      await acceptAndCredit(f, taskId, round);
    }
    const token = await siweLogin(p1!, f.rewardVault);
    expect(await f.rewardVault.pendingRewardOf(token)).to.equal((2n * REWARD * 750_000n) / 1_000_000n);
  });
});
