// One registry of the simulation's errors. Every failure has a stable code (`CLOISTER_ERR_SIM_…`) that is never
// reused; README.md lists them all and errors.test.ts checks that the list and this registry agree. The base class is
// protocol's CloisterError (code, message, details, cause), like every package's.
import { CloisterError, type CloisterErrorOptions } from '@cloister/protocol';

export type SimulationErrorOptions = CloisterErrorOptions;

/** Base class of every simulation error: short message (what happened, what to do), stable code, details, cause. */
export class SimulationError extends CloisterError {
  constructor(code: string, message: string, options: SimulationErrorOptions = {}) {
    super(code, message, options);
  }
}

export const SIMULATION_ERROR_CODES = {
  optionsInvalid: 'CLOISTER_ERR_SIM_OPTIONS_INVALID',
  redisFailed: 'CLOISTER_ERR_SIM_REDIS_FAILED',
  stackFailed: 'CLOISTER_ERR_SIM_STACK_FAILED',
  rpcFailed: 'CLOISTER_ERR_SIM_RPC_FAILED',
  commitFailed: 'CLOISTER_ERR_SIM_COMMIT_FAILED',
  governanceFailed: 'CLOISTER_ERR_SIM_GOVERNANCE_FAILED',
  roundTimeout: 'CLOISTER_ERR_SIM_ROUND_TIMEOUT',
  roundIncomplete: 'CLOISTER_ERR_SIM_ROUND_INCOMPLETE',
  datasetInvalid: 'CLOISTER_ERR_SIM_DATASET_INVALID',
} as const;

export type SimulationErrorCode = (typeof SIMULATION_ERROR_CODES)[keyof typeof SIMULATION_ERROR_CODES];

/** Options out of range (CLI flags or `runSimulation` options): the message names the option and the range. */
export class OptionsInvalidError extends SimulationError {
  constructor(message: string, options?: SimulationErrorOptions) {
    super(SIMULATION_ERROR_CODES.optionsInvalid, message, options);
  }
}
/** redis-server missing or not answering. */
export class RedisFailedError extends SimulationError {
  constructor(message: string, options?: SimulationErrorOptions) {
    super(SIMULATION_ERROR_CODES.redisFailed, message, options);
  }
}
/** A part of the local stack (chain, contracts, appd, coordinator, aggregator) failed to start. */
export class StackFailedError extends SimulationError {
  constructor(message: string, options?: SimulationErrorOptions) {
    super(SIMULATION_ERROR_CODES.stackFailed, message, options);
  }
}
/** A JSON-RPC call to the chain failed. */
export class RpcFailedError extends SimulationError {
  constructor(message: string, options?: SimulationErrorOptions) {
    super(SIMULATION_ERROR_CODES.rpcFailed, message, options);
  }
}
/** A participant's commit transaction was refused or reverted. */
export class CommitFailedError extends SimulationError {
  constructor(message: string, options?: SimulationErrorOptions) {
    super(SIMULATION_ERROR_CODES.commitFailed, message, options);
  }
}
/** A governance proposal (task creation, admission) did not execute. */
export class GovernanceFailedError extends SimulationError {
  constructor(message: string, options?: SimulationErrorOptions) {
    super(SIMULATION_ERROR_CODES.governanceFailed, message, options);
  }
}
/** A round did not reach the awaited state in time. */
export class RoundTimeoutError extends SimulationError {
  constructor(message: string, options?: SimulationErrorOptions) {
    super(SIMULATION_ERROR_CODES.roundTimeout, message, options);
  }
}
/** A round finalized without every participant included. */
export class RoundIncompleteError extends SimulationError {
  constructor(message: string, options?: SimulationErrorOptions) {
    super(SIMULATION_ERROR_CODES.roundIncomplete, message, options);
  }
}
/** The data set for real training is missing, unreadable or cannot be split as asked. */
export class DatasetInvalidError extends SimulationError {
  constructor(message: string, options?: SimulationErrorOptions) {
    super(SIMULATION_ERROR_CODES.datasetInvalid, message, options);
  }
}
