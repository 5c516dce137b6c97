// The TypeScript helpers: app id conversion, deployment files, chain checks, the Sapphire precompile mocks.
import { expect } from 'chai';
import hre from 'hardhat';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFixture } from '@nomicfoundation/hardhat-network-helpers';
import { AbiCoder, ethers } from 'ethers';
import {
  bytes21ToRoflAppId,
  CONTRACTS_ERROR_CODES,
  ContractsError,
  deployCloister,
  EXCLUSION_REASON,
  isSapphireChain,
  loadDeployment,
  MockSubcall__factory,
  MockDecrypt__factory,
  MockRandomBytes__factory,
  roflAppIdToBytes21,
  ROUND_STATE,
  SAPPHIRE_PRECOMPILES,
  saveConnection,
  saveDeployment,
  wrapForSapphire,
  type Deployment,
} from '../src';
import { authorizeRoflOrigin, installSapphireMocks, type RpcProvider } from '../src/development';
import { APP_ID, APP_ID_BECH32, deployFixture } from './fixtures';

function expectCode(fn: () => unknown, code: string) {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ContractsError);
    expect((error as ContractsError).code).to.equal(code);
    return;
  }
  expect.fail(`expected a ContractsError ${code}`);
}

async function expectCodeAsync(promise: Promise<unknown>, code: string) {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ContractsError);
    expect((error as ContractsError).code).to.equal(code);
    return;
  }
  expect.fail(`expected a ContractsError ${code}`);
}

/** A JSON-RPC stand-in that reports a chain id and empty code (no mocks). */
function fakeProvider(chainId: number): RpcProvider {
  return {
    async send(method: string) {
      if (method === 'eth_chainId') return ethers.toQuantity(chainId);
      if (method === 'eth_getCode') return '0x';
      throw new Error(`unexpected ${method}`);
    },
  };
}

describe('helpers', () => {
  describe('roflAppIdToBytes21', () => {
    it('decodes the documented example and round-trips', () => {
      expect(roflAppIdToBytes21(APP_ID_BECH32)).to.equal(APP_ID);
      expect(bytes21ToRoflAppId(APP_ID)).to.equal(APP_ID_BECH32);
      expect(roflAppIdToBytes21(APP_ID.toUpperCase().replace('0X', '0x'))).to.equal(APP_ID);
      expect(roflAppIdToBytes21(APP_ID_BECH32.toUpperCase())).to.equal(APP_ID);
      const other = '0x' + 'ab'.repeat(21);
      expect(roflAppIdToBytes21(bytes21ToRoflAppId(other))).to.equal(other);
    });

    it('rejects malformed ids with a coded error', () => {
      const code = CONTRACTS_ERROR_CODES.roflAppIdInvalid;
      const flipped = APP_ID_BECH32.slice(0, -1) + (APP_ID_BECH32.endsWith('f') ? 'g' : 'f');
      for (const bad of [flipped, 'rofl1qqn9xndja7e2pnxhttktmecvwzz0yqwxsquqyxdF', 'oasis1qqn9xndja7', 'rofl1b', 'rofl1qqqqqqqqq', '0x1234']) {
        expectCode(() => roflAppIdToBytes21(bad), code);
      }
      expectCode(() => bytes21ToRoflAppId('0x12'), code);
    });
  });

  describe('deployment files', () => {
    const deployment: Deployment = {
      network: 'localhost',
      chainId: 31337,
      roflAppId: APP_ID,
      blockNumber: 1,
      contracts: {
        governance: ethers.ZeroAddress,
        participants: ethers.ZeroAddress,
        aggregatorRegistry: ethers.ZeroAddress,
        taskManager: ethers.ZeroAddress,
        rewardVault: ethers.ZeroAddress,
        modelKeys: ethers.ZeroAddress,
        inferenceCredit: ethers.ZeroAddress,
      },
    };

    it('saves and loads a deployment', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'cloister-')), 'nested', 'localhost.json');
      saveDeployment(file, deployment);
      expect(loadDeployment(file)).to.deep.equal(deployment);
    });

    it('loads the deployment held by a connection file (the one file every command reads)', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'cloister-')), 'connection.json');
      saveConnection(file, { version: 1, name: 'localhost', chainId: 31337, rpcUrl: 'http://127.0.0.1:8545', coordinatorUrl: 'http://127.0.0.1:3000', roflAppId: APP_ID_BECH32, deployment });
      expect(loadDeployment(file)).to.deep.equal(deployment);
      // A connection file whose deployment is broken names the field inside it.
      writeFileSync(file, JSON.stringify({ version: 1, deployment: { ...deployment, chainId: 0 } }));
      expectCode(() => loadDeployment(file), CONTRACTS_ERROR_CODES.deploymentInvalid);
    });

    it('reports missing, malformed and invalid files with codes', () => {
      const dir = mkdtempSync(join(tmpdir(), 'cloister-'));
      expectCode(() => loadDeployment(join(dir, 'none.json')), CONTRACTS_ERROR_CODES.deploymentNotFound);
      writeFileSync(join(dir, 'bad.json'), '{');
      expectCode(() => loadDeployment(join(dir, 'bad.json')), CONTRACTS_ERROR_CODES.deploymentInvalid);
      const cases: unknown[] = [
        null,
        { ...deployment, network: '' },
        { ...deployment, chainId: 0 },
        { ...deployment, roflAppId: '0x12' },
        { ...deployment, blockNumber: -1 },
        { ...deployment, contracts: undefined },
        { ...deployment, contracts: { ...deployment.contracts, taskManager: 'nope' } },
      ];
      for (const value of cases) {
        writeFileSync(join(dir, 'x.json'), JSON.stringify(value));
        expectCode(() => loadDeployment(join(dir, 'x.json')), CONTRACTS_ERROR_CODES.deploymentInvalid);
      }
    });
  });

  describe('chains', () => {
    it('recognizes only the Sapphire chain ids', () => {
      for (const id of [23294, 23295, 23293, 23294n]) expect(isSapphireChain(id)).to.equal(true);
      for (const id of [1, 31337, 23296]) expect(isSapphireChain(id)).to.equal(false);
    });

    it('wraps signers only on Sapphire chains', async () => {
      const [signer] = await hre.ethers.getSigners();
      expect(wrapForSapphire(signer!, 31337) === signer).to.equal(true);
      const wrapped = wrapForSapphire(signer!, 23295);
      expect(wrapped === signer).to.equal(false);
      // the Sapphire wrapper makes the signer an EIP-1193-style request function (calldata encryption hook)
      expect(typeof (wrapped as unknown as { request?: unknown }).request).to.equal('function');
      expect(typeof (signer as unknown as { request?: unknown }).request).to.equal('undefined');
      expect(await wrapped.getAddress()).to.equal(signer!.address);
    });

    it('keeps the shared numbers', () => {
      expect(ROUND_STATE).to.deep.equal({ None: 0, Open: 1, Closed: 2, Failed: 3, Finalized: 4, Accepted: 5, Rejected: 6 });
      expect(Object.values(EXCLUSION_REASON)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]); // 10: ExampleCountExceeded (TaskManager.MAX_EXCLUSION_REASON)
    });
  });

  describe('Sapphire mocks', () => {
    it('refuse to touch a Sapphire chain and need installing first', async () => {
      await expectCodeAsync(installSapphireMocks(fakeProvider(23295)), CONTRACTS_ERROR_CODES.sapphireMocksOnSapphire);
      await expectCodeAsync(
        authorizeRoflOrigin(fakeProvider(23294), APP_ID, ethers.ZeroAddress),
        CONTRACTS_ERROR_CODES.sapphireMocksOnSapphire,
      );
      await expectCodeAsync(
        authorizeRoflOrigin(fakeProvider(31337), APP_ID, ethers.ZeroAddress),
        CONTRACTS_ERROR_CODES.sapphireMocksMissing,
      );
    });

    it('the subcall mock answers rofl.IsAuthorizedOrigin from its registry and refuses other methods', async () => {
      const f = await loadFixture(deployFixture);
      const subcall = MockSubcall__factory.connect(SAPPHIRE_PRECOMPILES.subcall, f.deployer);
      // authorizeRoflOrigin wrote the same storage the setter writes
      expect(await subcall.isAuthorizedOrigin(APP_ID, f.aggregator.address)).to.equal(true);
      expect(await subcall.isAuthorizedOrigin(APP_ID, f.outsider.address)).to.equal(false);
      await expect(subcall.setAuthorizedOrigin(APP_ID, f.outsider.address, true))
        .to.emit(subcall, 'MockAuthorizedOriginSet')
        .withArgs(ethers.zeroPadBytes(APP_ID, 21), f.outsider.address, true);
      expect(await subcall.isAuthorizedOrigin(APP_ID, f.outsider.address)).to.equal(true);

      const coder = AbiCoder.defaultAbiCoder();
      const ask = (method: string, body: string, from: string) =>
        hre.ethers.provider.call({ to: SAPPHIRE_PRECOMPILES.subcall, from, data: coder.encode(['string', 'bytes'], [method, body]) });
      const body = ethers.concat(['0x55', APP_ID]);
      expect(coder.decode(['uint64', 'bytes'], await ask('rofl.IsAuthorizedOrigin', body, f.outsider.address))).to.deep.equal([0n, '0xf5']);
      expect(coder.decode(['uint64', 'bytes'], await ask('rofl.IsAuthorizedOrigin', body, f.deployer.address))).to.deep.equal([0n, '0xf4']);
      const [status] = coder.decode(['uint64', 'bytes'], await ask('core.CallDataPublicKey', '0xf6', f.deployer.address));
      expect(status).to.equal(1n);
      await expect(ask('rofl.IsAuthorizedOrigin', '0x55', f.deployer.address)).to.be.revertedWithCustomError(
        subcall,
        'MockSubcallMalformedBody',
      );
      await expect(ask('rofl.IsAuthorizedOrigin', ethers.concat(['0x54', APP_ID]), f.deployer.address)).to.be.revertedWithCustomError(
        subcall,
        'MockSubcallMalformedBody',
      );
    });

    it('random bytes are capped at 1024 and decrypt refuses short input', async () => {
      const f = await loadFixture(deployFixture);
      const coder = AbiCoder.defaultAbiCoder();
      const out = await hre.ethers.provider.call({
        to: SAPPHIRE_PRECOMPILES.randomBytes,
        data: coder.encode(['uint256', 'bytes'], [5000, '0x']),
      });
      expect(ethers.dataLength(out)).to.equal(1024);
      expect(MockRandomBytes__factory.abi).to.have.length.greaterThan(0);
      const decrypt = MockDecrypt__factory.connect(SAPPHIRE_PRECOMPILES.decrypt, f.deployer);
      await expect(
        hre.ethers.provider.call({
          to: SAPPHIRE_PRECOMPILES.decrypt,
          data: coder.encode(['bytes32', 'bytes32', 'bytes', 'bytes'], [ethers.ZeroHash, ethers.ZeroHash, '0x01', '0x']),
        }),
      ).to.be.revertedWithCustomError(decrypt, 'MockDeoxysTagMismatch');
    });
  });

  describe('deployCloister', () => {
    it('validates its options', async () => {
      const [deployer, a, b] = await hre.ethers.getSigners();
      const base = {
        deployer: deployer!,
        members: [a!.address, b!.address],
        quorum: 1,
        votingPeriod: 60,
        challengeWindow: 60,
        operator: deployer!.address,
      };
      const bad = [
        { members: [] },
        { members: ['nope'] },
        { members: [a!.address, a!.address.toLowerCase()] },
        { quorum: 3 },
        { quorum: 0 },
        { votingPeriod: 0 },
        { challengeWindow: -1 },
        { operator: 'x' },
      ];
      for (const overrides of bad) {
        await expectCodeAsync(deployCloister({ ...base, ...overrides }), CONTRACTS_ERROR_CODES.deployOptionsInvalid);
      }
      const noProvider = new ethers.Wallet(ethers.id('k'));
      await expectCodeAsync(deployCloister({ ...base, deployer: noProvider }), CONTRACTS_ERROR_CODES.deployOptionsInvalid);
    });
  });
});
