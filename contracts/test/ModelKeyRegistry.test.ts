import { expect } from 'chai';
import hre from 'hardhat';
import { loadFixture } from '@nomicfoundation/hardhat-network-helpers';
import { ethers } from 'ethers';
import { InferenceCredit__factory, ModelKeyRegistry__factory, siweLogin } from '../src';
import { createTaskWithParticipants, deployFixture, passProposal } from './fixtures';

describe('ModelKeyRegistry', () => {
  const KEY_1 = ethers.id('model key epoch 1');
  const KEY_2 = ethers.id('model key epoch 2');
  const SET_1 = ethers.id('admitted set 1');
  const SET_2 = ethers.id('admitted set 2');

  async function keyedTaskFixture() {
    const f = await deployFixture();
    const [p0, p1, p2] = f.participants;
    const taskId = await createTaskWithParticipants(f, [p0!, p1!]);
    await (await f.modelKeys.connect(f.aggregator).setModelKey(taskId, 1, KEY_1, SET_1)).wait();
    return { f, taskId, p0: p0!, p1: p1!, p2: p2! };
  }

  describe('the SiweAuth-gated key view', () => {
    it('returns the key to an admitted participant and to a governance member, by token', async () => {
      const { f, taskId, p0 } = await loadFixture(keyedTaskFixture);
      const keys = f.modelKeys.connect(f.outsider); // the token, not msg.sender, identifies the reader
      expect(await keys.modelKey(await siweLogin(p0, keys), taskId, 1)).to.equal(KEY_1);
      expect(await keys.modelKey(await siweLogin(f.members[1]!, keys), taskId, 1)).to.equal(KEY_1);
    });

    it('reverts for the operator, a non-admitted account and an empty token', async () => {
      const { f, taskId, p2 } = await loadFixture(keyedTaskFixture);
      const keys = f.modelKeys;
      for (const who of [f.operator, p2, f.aggregator]) {
        const token = await siweLogin(who, keys);
        await expect(keys.modelKey(token, taskId, 1))
          .to.be.revertedWithCustomError(keys, 'ModelKeyRegistryNotAuthorized')
          .withArgs(who.address, taskId);
      }
    });

    it('after a removal the removed account reads no key, and the next epoch is a new key', async () => {
      const { f, taskId, p0, p1 } = await loadFixture(keyedTaskFixture);
      await passProposal(f, await f.registry.getAddress(), f.registry.interface.encodeFunctionData('remove', [taskId, p1.address]));
      await (await f.modelKeys.connect(f.aggregator).setModelKey(taskId, 2, KEY_2, SET_2)).wait();
      const removedToken = await siweLogin(p1, f.modelKeys);
      for (const epoch of [1, 2]) {
        await expect(f.modelKeys.modelKey(removedToken, taskId, epoch)).to.be.revertedWithCustomError(
          f.modelKeys,
          'ModelKeyRegistryNotAuthorized',
        );
      }
      expect(await f.modelKeys.modelKey(await siweLogin(p0, f.modelKeys), taskId, 2)).to.equal(KEY_2);
      expect(await f.modelKeys.currentEpoch(taskId)).to.equal(2n);
    });

    it('emulation on Hardhat: storage is readable with eth_getStorageAt (on Sapphire it is confidential)', async () => {
      // This test documents the limit of the local chain rather than a property of the contract: on Sapphire the
      // key below is encrypted state that eth_getStorageAt cannot reveal; here only the view's checks are real.
      const { f } = await loadFixture(keyedTaskFixture);
      const address = await f.modelKeys.getAddress();
      let found = false;
      for (let slot = 0; slot < 8 && !found; slot++) {
        // _keys[taskId][1]: mapping at some slot; scan the first slots' nested positions for the raw key
        const outer = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['uint256', 'uint256'], [1, slot]));
        const inner = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['uint32', 'bytes32'], [1, outer]));
        found = (await hre.ethers.provider.getStorage(address, inner)) === KEY_1;
      }
      expect(found).to.equal(true);
    });
  });

  describe('writes from the ROFL app only', () => {
    it('checks its constructor arguments, tokens and the registered app id', async () => {
      const { f, taskId } = await loadFixture(keyedTaskFixture);
      const gov = await f.governance.getAddress();
      await expect(
        new ModelKeyRegistry__factory(f.deployer).deploy(gov, ethers.ZeroAddress, gov, 'd'),
      ).to.be.revertedWithCustomError(f.modelKeys, 'ModelKeyRegistryZeroAddress');
      await expect(f.modelKeys.modelKey('0x', taskId, 1)).to.be.revertedWithCustomError(
        f.modelKeys,
        'ModelKeyRegistryNotAuthenticated',
      );
      await passProposal(
        f,
        await f.aggregatorRegistry.getAddress(),
        f.aggregatorRegistry.interface.encodeFunctionData('setAppId', ['0x' + '00'.repeat(21)]),
      );
      await expect(f.modelKeys.connect(f.aggregator).setModelKey(taskId, 2, KEY_2, SET_2)).to.be.revertedWithCustomError(
        f.modelKeys,
        'AggregatorOriginAppIdNotSet',
      );
      await expect(
        f.inferenceCredit.connect(f.aggregator).settle(taskId, [], [], []),
      ).to.be.revertedWithCustomError(f.inferenceCredit, 'AggregatorOriginAppIdNotSet');
      await expect(
        new InferenceCredit__factory(f.deployer).deploy(ethers.ZeroAddress, gov, gov, 'd'),
      ).to.be.revertedWithCustomError(f.inferenceCredit, 'InferenceCreditZeroAddress');
      await expect(f.inferenceCredit.revenueOf('0x', taskId)).to.be.revertedWithCustomError(
        f.inferenceCredit,
        'InferenceCreditNotAuthenticated',
      );
    });

    it('refuses a key or a model record from an origin that is not an instance of the app', async () => {
      const { f, taskId } = await loadFixture(keyedTaskFixture);
      await expect(f.modelKeys.connect(f.outsider).setModelKey(taskId, 2, KEY_2, SET_2)).to.be.reverted;
      await expect(
        f.modelKeys.connect(f.operator).recordSealedModel(taskId, 1, 1, ethers.id('p'), ethers.id('c')),
      ).to.be.reverted;
    });

    it('epochs grow by one; the same key again is a no-op, another key for the epoch is refused', async () => {
      const { f, taskId } = await loadFixture(keyedTaskFixture);
      const keys = f.modelKeys.connect(f.aggregator);
      await expect(keys.setModelKey(taskId, 1, KEY_1, SET_1)).not.to.emit(keys, 'ModelKeyEpochStarted');
      for (const [key, set] of [[KEY_2, SET_1], [KEY_1, SET_2]]) {
        await expect(keys.setModelKey(taskId, 1, key!, set!))
          .to.be.revertedWithCustomError(keys, 'ModelKeyRegistryKeyMismatch')
          .withArgs(taskId, 1);
      }
      await expect(keys.setModelKey(taskId, 3, KEY_2, SET_2))
        .to.be.revertedWithCustomError(keys, 'ModelKeyRegistryEpochOutOfOrder')
        .withArgs(taskId, 1, 3);
      await expect(keys.setModelKey(taskId, 2, ethers.ZeroHash, SET_2)).to.be.revertedWithCustomError(keys, 'ModelKeyRegistryZeroKey');
      await expect(keys.setModelKey(taskId, 2, KEY_2, SET_2)).to.emit(keys, 'ModelKeyEpochStarted').withArgs(taskId, 2, SET_2);
      expect(await keys.admittedSetHash(taskId)).to.equal(SET_2);
    });

    it('records the plaintext and ciphertext hash of each round, only under a known epoch', async () => {
      const { f, taskId } = await loadFixture(keyedTaskFixture);
      const keys = f.modelKeys.connect(f.aggregator);
      const [plain, cipher] = [ethers.id('plaintext'), ethers.id('ciphertext')];
      await expect(keys.recordSealedModel(taskId, 0, 1, plain, cipher))
        .to.emit(keys, 'SealedModelRecorded')
        .withArgs(taskId, 0, 1, plain, cipher);
      const record = await keys.sealedModel(taskId, 0);
      expect([record.epoch, record.plaintextHash, record.ciphertextHash]).to.deep.equal([1n, plain, cipher]);
      await expect(keys.recordSealedModel(taskId, 1, 2, plain, cipher))
        .to.be.revertedWithCustomError(keys, 'ModelKeyRegistryUnknownEpoch')
        .withArgs(taskId, 2);
      await expect(keys.recordSealedModel(taskId, 1, 1, ethers.ZeroHash, cipher)).to.be.revertedWithCustomError(
        keys,
        'ModelKeyRegistryZeroHash',
      );
      await expect(keys.sealedModel(taskId, 5)).to.be.revertedWithCustomError(keys, 'ModelKeyRegistryUnknownModel');
    });
  });
});
