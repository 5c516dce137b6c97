import { EXCLUSION_REASON, ROUND_FAILURE_REASON, ROUND_STATE } from '@cloister/protocol';

/**
 * Round states (`TaskManager.RoundState`), exclusion reasons (`reportOutcomes`' uint8 reason, 1..9) and round
 * failure reasons (`RoundFailed`'s uint8 reason, 1..5): one definition, in protocol, shared by every package; the
 * lifecycle tests read them back from the contracts.
 */
export { EXCLUSION_REASON, ROUND_FAILURE_REASON, ROUND_STATE };
export type RoundFailureReasonName = keyof typeof ROUND_FAILURE_REASON;
export type RoundStateName = keyof typeof ROUND_STATE;
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
