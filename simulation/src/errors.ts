// One registry of the simulation's errors. Every failure has a stable code (`CLOISTER_ERR_SIM_…`) that is never
// reused; README.md lists them all, and errors.test.ts with cli/src/docs/errorReference.test.ts checks that the list
// and this registry agree. The base class is protocol's CloisterError (code, message, details, cause), like every
// package's.
import { CloisterError, errorDefiner } from '@cloister/protocol';

/** Base class of every simulation error: short message (what happened, what to do), stable code, details, cause. */
export class SimulationError extends CloisterError {}

export const SIMULATION_ERROR_CODES = {
  optionsInvalid: 'CLOISTER_ERR_SIM_OPTIONS_INVALID',
  stackFailed: 'CLOISTER_ERR_SIM_STACK_FAILED',
  rpcFailed: 'CLOISTER_ERR_SIM_RPC_FAILED',
  commitFailed: 'CLOISTER_ERR_SIM_COMMIT_FAILED',
  governanceFailed: 'CLOISTER_ERR_SIM_GOVERNANCE_FAILED',
  roundTimeout: 'CLOISTER_ERR_SIM_ROUND_TIMEOUT',
  roundIncomplete: 'CLOISTER_ERR_SIM_ROUND_INCOMPLETE',
  datasetInvalid: 'CLOISTER_ERR_SIM_DATASET_INVALID',
  sealFailed: 'CLOISTER_ERR_SIM_SEAL_FAILED',
} as const;

const define = errorDefiner('simulation', SimulationError);

export class OptionsInvalidError extends define('OptionsInvalidError', { code: SIMULATION_ERROR_CODES.optionsInvalid, description: 'Options out of range (CLI flags or `runSimulation` options): the message names the option and the range.' }) {}
export class StackFailedError extends define('StackFailedError', { code: SIMULATION_ERROR_CODES.stackFailed, description: 'A part of the local stack (chain, contracts, appd, coordinator, aggregator) failed to start.' }) {}
export class RpcFailedError extends define('RpcFailedError', { code: SIMULATION_ERROR_CODES.rpcFailed, description: 'A JSON-RPC call to the chain failed.' }) {}
export class CommitFailedError extends define('CommitFailedError', { code: SIMULATION_ERROR_CODES.commitFailed, description: 'A participant\'s commit transaction was refused or reverted.' }) {}
export class GovernanceFailedError extends define('GovernanceFailedError', { code: SIMULATION_ERROR_CODES.governanceFailed, description: 'A governance proposal (task creation, admission) did not execute.' }) {}
export class RoundTimeoutError extends define('RoundTimeoutError', { code: SIMULATION_ERROR_CODES.roundTimeout, description: 'A round did not reach the awaited state in time.' }) {}
export class RoundIncompleteError extends define('RoundIncompleteError', { code: SIMULATION_ERROR_CODES.roundIncomplete, description: 'A round finalized without every participant included.' }) {}
export class DatasetInvalidError extends define('DatasetInvalidError', { code: SIMULATION_ERROR_CODES.datasetInvalid, description: 'The data set for real training is missing, unreadable or cannot be split as asked.' }) {}
export class SealFailedError extends define('SealFailedError', { code: SIMULATION_ERROR_CODES.sealFailed, description: 'A seal worker could not seal a participant\'s update (the message carries the worker\'s error).' }) {}
