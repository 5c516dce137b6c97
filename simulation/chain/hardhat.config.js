// The simulation's Hardhat node (development only). It differs from contracts/hardhat.config.ts's default network in
// three ways a many-participant simulation needs:
// - hardfork cancun: Hardhat 2.29 defaults to osaka, whose EIP-7825 caps one transaction at 2^24 (16,777,216) gas;
//   finalizeRound and acceptRound cost ~26-29k gas per participant, so rounds of more than ~550 participants (and
//   admitMany of more than ~100) do not fit one transaction under that cap;
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
