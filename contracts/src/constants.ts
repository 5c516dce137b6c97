/** Round states, the same numbers as `TaskManager.RoundState` (and protocol's ROUND_STATE). */
export const ROUND_STATE = {
  None: 0,
  Open: 1,
  Closed: 2,
  Failed: 3,
  Finalized: 4,
  Accepted: 5,
  Rejected: 6,
} as const;
export type RoundStateName = keyof typeof ROUND_STATE;

/** Exclusion reasons accepted by `TaskManager.finalizeRound` (uint8, 1..9; protocol's EXCLUSION_REASON). */
export const EXCLUSION_REASON = {
  MissingUpload: 1,
  HashMismatch: 2,
  BadSignature: 3,
  DecryptFailed: 4,
  MalformedUpdate: 5,
  ShapeMismatch: 6,
  NonFinite: 7,
  NormExceeded: 8,
  RobustFilter: 9,
} as const;
export type ExclusionReasonName = keyof typeof EXCLUSION_REASON;

/** Proposal states, the same numbers as `CloisterGovernance.ProposalState`. */
export const PROPOSAL_STATE = { None: 0, Active: 1, Executed: 2, Defeated: 3 } as const;

/** Scores of the included participants of a finalized round sum to this. */
export const SCORE_TOTAL = 1_000_000;

/** Chain ids of the Sapphire networks (mainnet 0x5afe, testnet 0x5aff, localnet 0x5afd). */
export const SAPPHIRE_CHAIN_IDS = { mainnet: 23294, testnet: 23295, localnet: 23293 } as const;

/** Chain id of the Hardhat network (the local development chain). */
export const HARDHAT_CHAIN_ID = 31337;

/** Addresses of the Sapphire precompiles Cloister's contracts call (mocked on the development chain). */
export const SAPPHIRE_PRECOMPILES = {
  randomBytes: '0x0100000000000000000000000000000000000001',
  encrypt: '0x0100000000000000000000000000000000000003',
  decrypt: '0x0100000000000000000000000000000000000004',
  subcall: '0x0100000000000000000000000000000000000103',
} as const;
