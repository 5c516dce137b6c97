// Integration: the same path the coordinator, aggregator and demo use. A real `hardhat node` process started with
// startLocalChain, contracts deployed with deployCloister, one round run through the typed bindings over JSON-RPC.
import { expect } from 'chai';
import { ethers, JsonRpcProvider, NonceManager } from 'ethers';
import {
  connectCloister,
  creditRoundRewards,
  deployCloister,
  finalizeRoundInPages,
  roflAppIdToBytes21,
  ROUND_STATE,
  siweLogin,
} from '../src';
import {
  authorizeRoflOrigin,
  createTestTask,
  developmentWallet,
  EXAMPLE_ROFL_APP_ID,
  startLocalChain,
  startTestDeployment,
  type LocalChain,
} from '../src/development';

describe('startLocalChain + deployCloister (hardhat node process)', function () {
  this.timeout(120_000);
  let chain: LocalChain | undefined;
  let provider: JsonRpcProvider | undefined;

  after(async () => {
    provider?.destroy();
    await chain?.stop();
  });

  it('runs a round end to end against a spawned node and stops it', async () => {
    chain = await startLocalChain();
    expect(chain.chainId).to.equal(31337);
    expect(chain.rpcUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    provider = new JsonRpcProvider(chain.rpcUrl, 31337, { staticNetwork: true, pollingInterval: 50 });
    const [deployer, member, aggregator, p1, p2] = await Promise.all([0, 1, 2, 3, 4].map((i) => provider!.getSigner(i)));
    const deployment = await deployCloister({
      deployer: deployer!,
      members: [await member!.getAddress()],
      quorum: 1,
      votingPeriod: 60,
      challengeWindow: 5,
      operator: await deployer!.getAddress(),
      roflAppId: EXAMPLE_ROFL_APP_ID,
    });
    expect(deployment.network).to.equal('localhost');
    await authorizeRoflOrigin(provider, deployment.roflAppId, await aggregator!.getAddress());

    const asMember = connectCloister(deployment, new NonceManager(member!));
    const gov = asMember.governance;
    const run = async (target: string, data: string, value = 0n) => {
      await (await gov.propose(target, value, data, 'x', { value })).wait();
      const id = await gov.proposalCount();
      await (await gov.vote(id, true)).wait();
      await (await gov.execute(id)).wait();
    };
    const tm = asMember.taskManager;
    await run(
      deployment.contracts.taskManager,
      tm.interface.encodeFunctionData('createTask', [
        {
          modelSpecHash: ethers.id('spec'),
          initialModelHash: ethers.id('m0'),
          initialModelUri: 'blobs/m0',
          dataSchemaHash: ethers.id('schema'),
          minParticipants: 2,
          maxParticipants: 2,
          roundDuration: 600,
          numRounds: 1,
          rewardPerRound: 1000n,
        },
      ]),
      1000n,
    );
    const addrs = [await p1!.getAddress(), await p2!.getAddress()];
    await run(
      deployment.contracts.participants,
      asMember.participants.interface.encodeFunctionData('admitMany', [1, addrs, ['a', 'b'], ['', '']]),
    );

    await (await connectCloister(deployment, deployer!).taskManager.openRound(1)).wait();
    for (const p of [p1!, p2!]) {
      await (await connectCloister(deployment, p).taskManager.commit(1, 1, ethers.id(await p.getAddress()))).wait();
    }
    // full round: closable before the deadline
    await (await tm.closeRound(1, 1)).wait();
    expect(await tm.committedParticipants(1, 1)).to.deep.equal(addrs);
    const asAggregator = connectCloister(deployment, aggregator!);
    await finalizeRoundInPages(asAggregator.taskManager, {
      taskId: 1n, round: 1n, modelHash: ethers.id('m1'), modelUri: 'blobs/m1', metricsHash: ethers.ZeroHash,
      included: addrs, scores: [700_000, 300_000], excluded: [], reasons: [],
    });
    expect((await tm.getRound(1, 1)).state).to.equal(BigInt(ROUND_STATE.Finalized));
    await provider.send('evm_increaseTime', [5]);
    await (await tm.acceptRound(1, 1)).wait();
    await creditRoundRewards(tm, 1n, 1n);
    expect((await tm.getTask(1)).currentModelHash).to.equal(ethers.id('m1'));

    const token = await siweLogin(p1!, connectCloister(deployment, p1!).rewardVault);
    expect(await asMember.rewardVault.pendingRewardOf(token)).to.equal(700n);

    await chain.stop();
    await chain.stop(); // idempotent
    const reachable = await fetch(chain.rpcUrl, { method: 'POST' }).then(
      () => true,
      () => false,
    );
    expect(reachable).to.equal(false);
  });
});

describe('startTestDeployment (the other packages\' integration chain)', function () {
  this.timeout(120_000);

  it('deploys with one governance member, the development accounts and a registered aggregator', async () => {
    const t = await startTestDeployment({ challengeWindow: 7, aggregatorPublicKey: ethers.id('hpke-public-key') });
    try {
      const [hardhat0, hardhat3] = await Promise.all([0, 3].map((i) => t.provider.getSigner(i).then((s) => s.getAddress())));
      expect(developmentWallet(0).address).to.equal(hardhat0);
      expect(t.aggregatorWallet.address).to.equal(hardhat3);
      expect(t.wallet(3).address).to.equal(hardhat3);
      expect(t.deployment.roflAppId).to.equal(roflAppIdToBytes21(EXAMPLE_ROFL_APP_ID));
      expect(await t.contracts.aggregatorRegistry.aggregatorSigner()).to.equal(t.aggregatorWallet.address);
      expect(await t.contracts.taskManager.challengeWindow()).to.equal(7n);

      const admitted = [t.wallet(4), t.wallet(5)];
      const taskId = await createTestTask(t, admitted, { roundDuration: 300, numRounds: 3 });
      expect(taskId).to.equal(1n);
      const task = await t.contracts.taskManager.getTask(taskId);
      expect(task.currentModelHash).to.equal(ethers.id('model-0'));
      for (const w of admitted) expect(await t.contracts.participants.isAdmitted(taskId, w.address)).to.equal(true);
      expect(await t.contracts.participants.isAdmitted(taskId, t.wallet(6).address)).to.equal(false);
    } finally {
      await t.stop();
    }
  });
});
