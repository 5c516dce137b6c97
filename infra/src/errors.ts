// One registry of the infra package's errors. Every failure has a stable code (`CLOISTER_ERR_INFRA_…`), never
// reused; infra/README.md lists them all (a test checks it).

import { CloisterError, type CloisterErrorOptions } from '@cloister/protocol';

export const INFRA_ERROR_CODES = {
  redisMissing: 'CLOISTER_ERR_INFRA_REDIS_MISSING',
  redisFailed: 'CLOISTER_ERR_INFRA_REDIS_FAILED',
  stackStartFailed: 'CLOISTER_ERR_INFRA_STACK_START_FAILED',
  datasetMissing: 'CLOISTER_ERR_INFRA_DATASET_MISSING',
  demoOptionInvalid: 'CLOISTER_ERR_INFRA_DEMO_OPTION_INVALID',
  federationFailed: 'CLOISTER_ERR_INFRA_FEDERATION_FAILED',
  federationTimeout: 'CLOISTER_ERR_INFRA_FEDERATION_TIMEOUT',
  governanceKeyMissing: 'CLOISTER_ERR_INFRA_GOVERNANCE_KEY_MISSING',
  governanceInputInvalid: 'CLOISTER_ERR_INFRA_GOVERNANCE_INPUT_INVALID',
  governanceTxFailed: 'CLOISTER_ERR_INFRA_GOVERNANCE_TX_FAILED',
  networkRunning: 'CLOISTER_ERR_INFRA_NETWORK_RUNNING',
  networkNotRunning: 'CLOISTER_ERR_INFRA_NETWORK_NOT_RUNNING',
  networkStartFailed: 'CLOISTER_ERR_INFRA_NETWORK_START_FAILED',
  networkStateInvalid: 'CLOISTER_ERR_INFRA_NETWORK_STATE_INVALID',
  networkServiceUnknown: 'CLOISTER_ERR_INFRA_NETWORK_SERVICE_UNKNOWN',
} as const;

export type InfraErrorCode = (typeof INFRA_ERROR_CODES)[keyof typeof INFRA_ERROR_CODES];

/** Base class of every infra error: a short message that says what to do next, a stable code, details, a cause. */
export class InfraError extends CloisterError {
  declare readonly code: InfraErrorCode;

  constructor(code: InfraErrorCode, message: string, options: CloisterErrorOptions = {}) {
    super(code, message, options);
  }
}

export function isInfraError(value: unknown, code?: InfraErrorCode): value is InfraError {
  return value instanceof InfraError && (code === undefined || value.code === code);
}
