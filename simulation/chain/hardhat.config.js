// The simulation's Hardhat node (development only). It differs from contracts/hardhat.config.ts's default network in
// three ways a many-participant simulation needs:
// - hardfork cancun: Hardhat 2.29 defaults to osaka, whose EIP-7825 caps one transaction at 2^24 (16,777,216) gas;
//   admitMany of more than ~100 participants does not fit one transaction under that cap (ending a round is paged:
//   reportOutcomes and creditRewards pages of 200 accounts stay under 6M gas);
// - a 1e9 block gas limit, so those O(n) transactions fit one block;
// - allowBlocksWithSameTimestamp: with automine every transaction is a block; without this option each block's
//   timestamp is at least the previous one + 1 s, so a thousand commits push chain time ~1000 s ahead of the wall
//   clock, and the coordinator (which schedules acceptRound at the chain's challengeEndsAt read as wall time) waits.
module.exports = {
  solidity: '0.8.24',
  networks: {
    hardhat: {
      chainId: 31337,
      hardfork: 'cancun',
      blockGasLimit: 1_000_000_000,
      allowBlocksWithSameTimestamp: true,
      accounts: { count: 2 },
    },
  },
};
