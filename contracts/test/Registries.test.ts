import { expect } from 'chai';
import { loadFixture } from '@nomicfoundation/hardhat-network-helpers';
import { ethers } from 'ethers';
import { AggregatorRegistry__factory, ParticipantRegistry__factory } from '../src';
import { authorizeRoflOrigin } from '../src/development';
import hre from 'hardhat';
import { APP_ID, deployFixture, governanceSigner, passProposal } from './fixtures';

describe('ParticipantRegistry', () => {
  it('admits and removes participants per task through governance', async () => {
    const f = await loadFixture(deployFixture);
    const reg = f.registry;
    const [p1, p2, p3] = f.participants;
    await passProposal(
      f,
      await reg.getAddress(),
      reg.interface.encodeFunctionData('admit', [1, p1!.address, 'Hospital A', 'https://a.example']),
    );
    expect(await reg.isAdmitted(1, p1!.address)).to.equal(true);
    expect(await reg.isAdmitted(2, p1!.address)).to.equal(false);
    const info = await reg.participantInfo(1, p1!.address);
    expect(info.name).to.equal('Hospital A');
    expect(info.uri).to.equal('https://a.example');

    const gov = await governanceSigner(f);
    await expect(reg.connect(gov).admitMany(1, [p2!.address, p3!.address], ['B', 'C'], ['b', 'c']))
      .to.emit(reg, 'ParticipantAdmitted')
      .withArgs(1n, p3!.address, 'C', 'c');
    expect(await reg.participantsOf(1)).to.deep.equal([p1!.address, p2!.address, p3!.address]);
    await expect(reg.connect(gov).remove(1, p1!.address)).to.emit(reg, 'ParticipantRemoved').withArgs(1n, p1!.address);
    expect(await reg.participantsOf(1)).to.deep.equal([p3!.address, p2!.address]);
    expect(await reg.isAdmitted(1, p1!.address)).to.equal(false);
    await expect(reg.participantInfo(1, p1!.address))
      .to.be.revertedWithCustomError(reg, 'ParticipantRegistryNotAdmitted')
      .withArgs(1n, p1!.address);
  });

  it('reverts on bad input and for non-governance callers', async () => {
    const f = await loadFixture(deployFixture);
    const reg = f.registry;
    const p1 = f.participants[0]!.address;
    await expect(reg.connect(f.outsider).admit(1, p1, 'x', 'y'))
      .to.be.revertedWithCustomError(reg, 'ParticipantRegistryNotGovernance')
      .withArgs(f.outsider.address);
    const g = reg.connect(await governanceSigner(f));
    await expect(g.admit(1, ethers.ZeroAddress, 'x', 'y')).to.be.revertedWithCustomError(reg, 'ParticipantRegistryZeroAddress');
    await g.admit(1, p1, 'x', 'y');
    await expect(g.admit(1, p1, 'x', 'y'))
      .to.be.revertedWithCustomError(reg, 'ParticipantRegistryAlreadyAdmitted')
      .withArgs(1n, p1);
    await expect(g.remove(2, p1)).to.be.revertedWithCustomError(reg, 'ParticipantRegistryNotAdmitted').withArgs(2n, p1);
    await expect(g.admitMany(1, [p1], [], ['u']))
      .to.be.revertedWithCustomError(reg, 'ParticipantRegistryLengthMismatch')
      .withArgs(1n, 0n, 1n);
    await expect(g.admitMany(1, [p1], ['n'], []))
      .to.be.revertedWithCustomError(reg, 'ParticipantRegistryLengthMismatch')
      .withArgs(1n, 1n, 0n);
    const factory = new ParticipantRegistry__factory(f.deployer);
    await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(factory, 'ParticipantRegistryZeroAddress');
  });
});

describe('AggregatorRegistry', () => {
  const HPKE = ethers.id('hpke-public-key');

  it('stores the app id and accepts keys only from an authorized origin of that app', async () => {
    const f = await loadFixture(deployFixture);
    const reg = f.aggregatorRegistry;
    expect(await reg.appId()).to.equal(APP_ID);
    await expect(reg.connect(f.outsider).setAggregatorKeys(HPKE, f.outsider.address)).to.be.revertedWithCustomError(
      reg,
      'RoflOriginNotAuthorizedForApp',
    );
    await expect(reg.connect(f.aggregator).setAggregatorKeys(HPKE, f.aggregator.address))
      .to.emit(reg, 'AggregatorKeysSet')
      .withArgs(APP_ID, HPKE, f.aggregator.address);
    expect(await reg.hpkePublicKey()).to.equal(HPKE);
    expect(await reg.aggregatorSigner()).to.equal(f.aggregator.address);
    expect(await reg.keysUpdatedAt()).to.be.greaterThan(0n);
    await expect(reg.connect(f.aggregator).setAggregatorKeys(ethers.ZeroHash, f.aggregator.address))
      .to.be.revertedWithCustomError(reg, 'AggregatorRegistryInvalidKeys')
      .withArgs(ethers.ZeroHash, f.aggregator.address);
    await expect(reg.connect(f.aggregator).setAggregatorKeys(HPKE, ethers.ZeroAddress)).to.be.revertedWithCustomError(
      reg,
      'AggregatorRegistryInvalidKeys',
    );
    // revoking the origin in the mock revokes the right
    await authorizeRoflOrigin(hre.ethers.provider, APP_ID, f.aggregator.address, false);
    await expect(reg.connect(f.aggregator).setAggregatorKeys(HPKE, f.aggregator.address)).to.be.revertedWithCustomError(
      reg,
      'RoflOriginNotAuthorizedForApp',
    );
  });

  it('governance changes the app id, which clears the keys of the old app', async () => {
    const f = await loadFixture(deployFixture);
    const reg = f.aggregatorRegistry;
    await reg.connect(f.aggregator).setAggregatorKeys(HPKE, f.aggregator.address);
    const newApp = '0x' + '11'.repeat(21);
    await expect(reg.connect(f.outsider).setAppId(newApp))
      .to.be.revertedWithCustomError(reg, 'AggregatorRegistryNotGovernance')
      .withArgs(f.outsider.address);
    await passProposal(f, await reg.getAddress(), reg.interface.encodeFunctionData('setAppId', [newApp]));
    expect(await reg.appId()).to.equal(newApp);
    expect(await reg.hpkePublicKey()).to.equal(ethers.ZeroHash);
    expect(await reg.aggregatorSigner()).to.equal(ethers.ZeroAddress);
    // the old app's instance is no longer accepted; the new app's is
    await expect(reg.connect(f.aggregator).setAggregatorKeys(HPKE, f.aggregator.address)).to.be.revertedWithCustomError(
      reg,
      'RoflOriginNotAuthorizedForApp',
    );
    await authorizeRoflOrigin(hre.ethers.provider, newApp, f.outsider.address);
    await expect(reg.connect(f.outsider).setAggregatorKeys(HPKE, f.outsider.address)).to.emit(reg, 'AggregatorKeysSet');
  });

  it('without an app id nobody can set keys; zero governance is refused', async () => {
    const f = await loadFixture(deployFixture);
    const factory = new AggregatorRegistry__factory(f.deployer);
    const reg = await factory.deploy(f.outsider.address, '0x' + '00'.repeat(21));
    await expect(reg.connect(f.aggregator).setAggregatorKeys(HPKE, f.aggregator.address)).to.be.revertedWithCustomError(
      reg,
      'AggregatorRegistryAppIdNotSet',
    );
    await expect(factory.deploy(ethers.ZeroAddress, APP_ID)).to.be.revertedWithCustomError(
      factory,
      'AggregatorRegistryZeroAddress',
    );
  });
});
