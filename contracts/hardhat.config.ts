// Hardhat configuration for @cloister/contracts. Compiles offline with the npm `solc` (soljson) 0.8.24,
// evmVersion paris (Sapphire), and generates the TypeChain ethers-v6 bindings into src/typechain-types.
import { subtask } from 'hardhat/config';
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from 'hardhat/builtin-tasks/task-names';
import type { HardhatUserConfig } from 'hardhat/types';
import '@nomicfoundation/hardhat-ethers';
import '@nomicfoundation/hardhat-chai-matchers';
import '@typechain/hardhat';
import 'solidity-coverage';
import 'hardhat-gas-reporter';

const SOLC_VERSION = '0.8.24';

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { version(): string };
  return {
    compilerPath: require.resolve('solc/soljson.js'),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

const privateKey = process.env.CLOISTER_PRIVATE_KEY;
const sapphireAccounts = privateKey ? [privateKey] : [];

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: { evmVersion: 'paris', optimizer: { enabled: true, runs: 200 } },
  },
  defaultNetwork: 'hardhat',
  networks: {
    hardhat: { chainId: 31337, allowUnlimitedContractSize: false },
    localhost: { url: process.env.LOCALHOST_RPC_URL ?? 'http://127.0.0.1:8545', chainId: 31337 },
    'sapphire-localnet': { url: 'http://localhost:8545', chainId: 23293, accounts: sapphireAccounts },
    'sapphire-testnet': { url: 'https://testnet.sapphire.oasis.io', chainId: 23295, accounts: sapphireAccounts },
    'sapphire-mainnet': { url: 'https://sapphire.oasis.io', chainId: 23294, accounts: sapphireAccounts },
  },
  typechain: { outDir: 'src/typechain-types', target: 'ethers-v6' },
  gasReporter: {
    enabled: process.env.REPORT_GAS === '1',
    offline: true,
    currency: 'USD',
    showMethodSig: false,
    reportPureAndViewMethods: false,
  },
  mocha: { timeout: 120_000 },
};

export default config;
