import { expect } from 'chai';
import hre from 'hardhat';
import { loadFixture, time } from '@nomicfoundation/hardhat-network-helpers';
import { ethers } from 'ethers';
import { CloisterGovernance__factory, ContractMember__factory, PROPOSAL_STATE } from '../src';
import { VOTING_PERIOD, deployFixture, governanceSigner, passProposal } from './fixtures';

describe('CloisterGovernance', () => {
  it('starts with the deployed members, quorum and voting period', async () => {
    const f = await loadFixture(deployFixture);
    expect(await f.governance.members()).to.deep.equal(f.members.map((m) => m.address));
    expect(await f.governance.isMember(f.members[1]!.address)).to.equal(true);
    expect(await f.governance.isMember(f.outsider.address)).to.equal(false);
    expect(await f.governance.quorum()).to.equal(2n);
    expect(await f.governance.votingPeriod()).to.equal(BigInt(VOTING_PERIOD));
    expect(await f.governance.proposalCount()).to.equal(0n);
  });

  it('validates the constructor arguments', async () => {
    const f = await loadFixture(deployFixture);
    const factory = new CloisterGovernance__factory(f.deployer);
    const [a, b] = f.members.map((m) => m.address);
    await expect(factory.deploy([a!, b!], 0, 60))
      .to.be.revertedWithCustomError(factory, 'CloisterGovernanceInvalidQuorum')
      .withArgs(0n, 2n);
    await expect(factory.deploy([a!, b!], 3, 60))
      .to.be.revertedWithCustomError(factory, 'CloisterGovernanceInvalidQuorum')
      .withArgs(3n, 2n);
    await expect(factory.deploy([a!, a!], 1, 60))
      .to.be.revertedWithCustomError(factory, 'CloisterGovernanceAlreadyMember')
      .withArgs(a);
    await expect(factory.deploy([a!, ethers.ZeroAddress], 1, 60))
      .to.be.revertedWithCustomError(factory, 'CloisterGovernanceInvalidMember')
      .withArgs(ethers.ZeroAddress);
    await expect(factory.deploy([a!], 1, 0))
      .to.be.revertedWithCustomError(factory, 'CloisterGovernanceInvalidVotingPeriod')
      .withArgs(0n);
  });

  it('only members propose and vote; one vote per member', async () => {
    const f = await loadFixture(deployFixture);
    const gov = f.governance;
    const target = await gov.getAddress();
    const data = gov.interface.encodeFunctionData('setVotingPeriod', [120]);
    await expect(gov.connect(f.outsider).propose(target, 0, data, 'x'))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceNotMember')
      .withArgs(f.outsider.address);
    const [m1, m2] = f.members;
    const proposal = await gov.connect(m1!).propose(target, 0, data, 'longer vote');
    // The voting end is the proposing block's timestamp plus the period (read from the block: on a loaded machine
    // the wall clock, which Hardhat follows, may move more than a second between blocks).
    const proposedAt = (await hre.ethers.provider.getBlock((await proposal.wait())!.blockNumber))!.timestamp;
    await expect(proposal)
      .to.emit(gov, 'ProposalCreated')
      .withArgs(1n, m1!.address, target, 0n, data, 'longer vote', proposedAt + VOTING_PERIOD);
    await expect(gov.connect(f.outsider).vote(1, true))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceNotMember')
      .withArgs(f.outsider.address);
    await expect(gov.connect(m1!).vote(1, true))
      .to.emit(gov, 'VoteCast')
      .withArgs(1n, m1!.address, true, 1n, 0n);
    expect(await gov.hasVoted(1, m1!.address)).to.equal(true);
    await expect(gov.connect(m1!).vote(1, false))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceAlreadyVoted')
      .withArgs(1n, m1!.address);
    await expect(gov.connect(m2!).vote(1, false))
      .to.emit(gov, 'VoteCast')
      .withArgs(1n, m2!.address, false, 1n, 1n);
    const p = await gov.getProposal(1);
    expect(p.yesVotes).to.equal(1n);
    expect(p.noVotes).to.equal(1n);
    expect(p.state).to.equal(BigInt(PROPOSAL_STATE.Active));
  });

  it('validates proposals and unknown ids', async () => {
    const f = await loadFixture(deployFixture);
    const gov = f.governance.connect(f.members[0]!);
    await expect(gov.propose(ethers.ZeroAddress, 0, '0x', 'x')).to.be.revertedWithCustomError(
      gov,
      'CloisterGovernanceZeroTarget',
    );
    await expect(gov.propose(f.outsider.address, 5, '0x', 'x', { value: 4 }))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceValueMismatch')
      .withArgs(5n, 4n);
    await expect(gov.vote(9, true))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceUnknownProposal')
      .withArgs(9n);
    await expect(gov.getProposal(9)).to.be.revertedWithCustomError(gov, 'CloisterGovernanceUnknownProposal');
    await expect(gov.execute(9)).to.be.revertedWithCustomError(gov, 'CloisterGovernanceUnknownProposal');
    expect(await gov.isPassed(9)).to.equal(false);
  });

  it('executes early once yes reaches quorum and an absolute majority', async () => {
    const f = await loadFixture(deployFixture);
    const gov = f.governance;
    const data = gov.interface.encodeFunctionData('setVotingPeriod', [120]);
    await gov.connect(f.members[0]!).propose(await gov.getAddress(), 0, data, 'x');
    await gov.connect(f.members[0]!).vote(1, true);
    await expect(gov.execute(1))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceProposalNotPassed')
      .withArgs(1n);
    await gov.connect(f.members[1]!).vote(1, true);
    expect(await gov.isPassed(1)).to.equal(true);
    await expect(gov.connect(f.outsider).execute(1))
      .to.emit(gov, 'ProposalExecuted')
      .and.to.emit(gov, 'VotingPeriodChanged')
      .withArgs(120n);
    expect(await gov.votingPeriod()).to.equal(120n);
    expect((await gov.getProposal(1)).state).to.equal(BigInt(PROPOSAL_STATE.Executed));
    await expect(gov.execute(1))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceProposalNotActive')
      .withArgs(1n, PROPOSAL_STATE.Executed);
    await expect(gov.connect(f.members[2]!).vote(1, true))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceProposalNotActive')
      .withArgs(1n, PROPOSAL_STATE.Executed);
  });

  it('after the voting period, quorum and yes > no pass even without an absolute majority', async () => {
    const f = await loadFixture(deployFixture);
    const gov = f.governance;
    // 5 members, quorum 2: two yes votes are not a majority of 5, so they pass only after the period
    await passProposal(
      f,
      await gov.getAddress(),
      gov.interface.encodeFunctionData('addMember', [f.outsider.address]),
    );
    // with 4 members two yes votes are no longer an absolute majority: add the fifth directly as governance
    await gov.connect(await governanceSigner(f)).addMember(f.deployer.address);
    expect(await gov.members()).to.have.length(5);
    const data = gov.interface.encodeFunctionData('setQuorum', [3]);
    await gov.connect(f.members[0]!).propose(await gov.getAddress(), 0, data, 'x');
    const id = await gov.proposalCount();
    await gov.connect(f.members[0]!).vote(id, true);
    await gov.connect(f.members[1]!).vote(id, true);
    await gov.connect(f.members[2]!).vote(id, false);
    await expect(gov.execute(id)).to.be.revertedWithCustomError(gov, 'CloisterGovernanceProposalNotPassed');
    await time.increase(VOTING_PERIOD);
    await expect(gov.connect(f.outsider).vote(id, true))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceVotingClosed')
      .withArgs(id, (await gov.getProposal(id)).votingEndsAt);
    await expect(gov.execute(id)).to.emit(gov, 'QuorumChanged').withArgs(3n);
  });

  it('a defeated proposal is closed and its value refunded to the proposer', async () => {
    const f = await loadFixture(deployFixture);
    const gov = f.governance;
    const m1 = f.members[0]!;
    const value = ethers.parseEther('2');
    await gov.connect(m1).propose(f.outsider.address, value, '0x', 'pay the outsider', { value });
    await gov.connect(f.members[1]!).vote(1, false);
    await expect(gov.closeDefeated(1))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceProposalNotDefeated')
      .withArgs(1n);
    await time.increase(VOTING_PERIOD);
    await expect(gov.connect(f.outsider).closeDefeated(1)).to.changeEtherBalances([m1, gov], [value, -value]);
    expect((await gov.getProposal(1)).state).to.equal(BigInt(PROPOSAL_STATE.Defeated));
    await expect(gov.closeDefeated(1)).to.be.revertedWithCustomError(
      gov,
      'CloisterGovernanceProposalNotActive',
    );
  });

  it('a passed proposal cannot be closed as defeated; a failing call reverts with the callee data and can be retried', async () => {
    const f = await loadFixture(deployFixture);
    const gov = f.governance;
    const tm = f.taskManager;
    // openRound from governance is not the operator: the call fails
    const data = tm.interface.encodeFunctionData('openRound', [1]);
    await gov.connect(f.members[0]!).propose(await tm.getAddress(), 0, data, 'x');
    await gov.connect(f.members[0]!).vote(1, true);
    await gov.connect(f.members[1]!).vote(1, true);
    await time.increase(VOTING_PERIOD);
    await expect(gov.closeDefeated(1)).to.be.revertedWithCustomError(
      gov,
      'CloisterGovernanceProposalNotDefeated',
    );
    const inner = tm.interface.encodeErrorResult('TaskManagerNotOperator', [await gov.getAddress()]);
    await expect(gov.execute(1))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceExecutionFailed')
      .withArgs(1n, inner);
    expect((await gov.getProposal(1)).state).to.equal(BigInt(PROPOSAL_STATE.Active));
  });

  it('refund failure reverts', async () => {
    const f = await loadFixture(deployFixture);
    const gov = f.governance;
    const member = await new ContractMember__factory(f.deployer).deploy();
    await passProposal(
      f,
      await gov.getAddress(),
      gov.interface.encodeFunctionData('addMember', [await member.getAddress()]),
    );
    await member.proposeTo(await gov.getAddress(), f.outsider.address, '0x', { value: 10 });
    const id = await gov.proposalCount();
    await time.increase(VOTING_PERIOD);
    await expect(gov.closeDefeated(id))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceRefundFailed')
      .withArgs(id);
  });

  it('member and parameter changes only through proposals, keeping the quorum reachable', async () => {
    const f = await loadFixture(deployFixture);
    const gov = f.governance;
    await expect(gov.connect(f.members[0]!).addMember(f.outsider.address))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceNotSelf')
      .withArgs(f.members[0]!.address);
    const self = await governanceSigner(f);
    const g = gov.connect(self);
    await expect(g.addMember(f.outsider.address)).to.emit(gov, 'MemberAdded').withArgs(f.outsider.address);
    await expect(g.addMember(f.outsider.address))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceAlreadyMember')
      .withArgs(f.outsider.address);
    await expect(g.addMember(ethers.ZeroAddress)).to.be.revertedWithCustomError(
      gov,
      'CloisterGovernanceInvalidMember',
    );
    await expect(g.removeMember(f.deployer.address))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceNotMember')
      .withArgs(f.deployer.address);
    await expect(g.removeMember(f.members[0]!.address))
      .to.emit(gov, 'MemberRemoved')
      .withArgs(f.members[0]!.address);
    expect(await gov.isMember(f.members[0]!.address)).to.equal(false);
    expect([...(await gov.members())]).to.have.members([
      f.outsider.address,
      f.members[1]!.address,
      f.members[2]!.address,
    ]);
    await g.setQuorum(3);
    await expect(g.removeMember(f.members[1]!.address))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceInvalidQuorum')
      .withArgs(3n, 2n);
    await expect(g.setQuorum(4))
      .to.be.revertedWithCustomError(gov, 'CloisterGovernanceInvalidQuorum')
      .withArgs(4n, 3n);
    await expect(g.setVotingPeriod(0)).to.be.revertedWithCustomError(
      gov,
      'CloisterGovernanceInvalidVotingPeriod',
    );
  });

  it('receives plain transfers (reward dust claimed from the vault)', async () => {
    const f = await loadFixture(deployFixture);
    await expect(f.outsider.sendTransaction({ to: await f.governance.getAddress(), value: 5 }))
      .to.emit(f.governance, 'FundsReceived')
      .withArgs(f.outsider.address, 5n);
    expect(await hre.ethers.provider.getBalance(await f.governance.getAddress())).to.equal(5n);
  });
});
