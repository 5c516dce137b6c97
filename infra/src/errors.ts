// One registry of the infra package's errors. Every failure has a stable code (`CLOISTER_ERR_INFRA_…`), never
// reused; infra/README.md and docs/errors.md list them all (a test checks it).
import { CloisterError, errorDefiner, type CloisterErrorOptions } from '@cloister/protocol';

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
}

const define = errorDefiner('infra', InfraError);
const C = INFRA_ERROR_CODES;

export const InfraRedisMissingError = define('InfraRedisMissingError', {
  code: C.redisMissing,
  description: 'redis-server is not on the PATH and no Redis URL is set: apt-get install -y redis-server.',
});
export type InfraRedisMissingError = InstanceType<typeof InfraRedisMissingError>;
export const InfraRedisFailedError = define('InfraRedisFailedError', {
  code: C.redisFailed,
  description: 'The spawned redis-server did not answer PING.',
});
export type InfraRedisFailedError = InstanceType<typeof InfraRedisFailedError>;
export const StackStartFailedError = define('StackStartFailedError', {
  code: C.stackStartFailed,
  description: 'A part of the local stack failed to start (everything started is stopped).',
});
export type StackStartFailedError = InstanceType<typeof StackStartFailedError>;
export const DatasetMissingError = define('DatasetMissingError', {
  code: C.datasetMissing,
  description: 'The demo data could not be loaded (set CLOISTER_DATA_DIR).',
});
export type DatasetMissingError = InstanceType<typeof DatasetMissingError>;
export const DemoOptionInvalidError = define('DemoOptionInvalidError', {
  code: C.demoOptionInvalid,
  description: 'Inconsistent demo options.',
});
export type DemoOptionInvalidError = InstanceType<typeof DemoOptionInvalidError>;
export const FederationFailedError = define('FederationFailedError', {
  code: C.federationFailed,
  description: 'The coordinator refused a blob, or a stored model\'s hash differs from the chain.',
});
export type FederationFailedError = InstanceType<typeof FederationFailedError>;
export const FederationTimeoutError = define('FederationTimeoutError', {
  code: C.federationTimeout,
  description: 'A round was not accepted in time (the message names the last participant error).',
});
export type FederationTimeoutError = InstanceType<typeof FederationTimeoutError>;
export const GovernanceKeyMissingError = define('GovernanceKeyMissingError', {
  code: C.governanceKeyMissing,
  description: 'No usable key (keystore, password or private key).',
});
export type GovernanceKeyMissingError = InstanceType<typeof GovernanceKeyMissingError>;
export const GovernanceInputInvalidError = define('GovernanceInputInvalidError', {
  code: C.governanceInputInvalid,
  description: 'Bad CLI input (address, hash, parameter, not a member, proposal not passed).',
});
export type GovernanceInputInvalidError = InstanceType<typeof GovernanceInputInvalidError>;
export const GovernanceTxFailedError = define('GovernanceTxFailedError', {
  code: C.governanceTxFailed,
  description: 'A transaction reverted; the message names the contract\'s custom error.',
});
export type GovernanceTxFailedError = InstanceType<typeof GovernanceTxFailedError>;

/** The infra error class of each code. */
export const INFRA_ERRORS = {
  redisMissing: InfraRedisMissingError,
  redisFailed: InfraRedisFailedError,
  stackStartFailed: StackStartFailedError,
  datasetMissing: DatasetMissingError,
  demoOptionInvalid: DemoOptionInvalidError,
  federationFailed: FederationFailedError,
  federationTimeout: FederationTimeoutError,
  governanceKeyMissing: GovernanceKeyMissingError,
  governanceInputInvalid: GovernanceInputInvalidError,
  governanceTxFailed: GovernanceTxFailedError,
} as const;

export function isInfraError(value: unknown, code?: InfraErrorCode): value is InfraError {
  return value instanceof InfraError && (code === undefined || value.code === code);
}
export type { CloisterErrorOptions };
export const NetworkRunningError = define('NetworkRunningError', {
  code: C.networkRunning,
  description: '`cloister network up`: a network already runs in that folder (stop it with `network down`, or use another --dir).',
});
export type NetworkRunningError = InstanceType<typeof NetworkRunningError>;
export const NetworkNotRunningError = define('NetworkNotRunningError', {
  code: C.networkNotRunning,
  description: '`network status/logs/down`: no network in that folder.',
});
export type NetworkNotRunningError = InstanceType<typeof NetworkNotRunningError>;
export const NetworkStartFailedError = define('NetworkStartFailedError', {
  code: C.networkStartFailed,
  description: '`network up`: a service did not become ready (the message names it and its log); everything started was stopped.',
});
export type NetworkStartFailedError = InstanceType<typeof NetworkStartFailedError>;
export const NetworkStateInvalidError = define('NetworkStateInvalidError', {
  code: C.networkStateInvalid,
  description: 'The network folder is not one `network up` made, or its processes file is unreadable.',
});
export type NetworkStateInvalidError = InstanceType<typeof NetworkStateInvalidError>;
export const NetworkServiceUnknownError = define('NetworkServiceUnknownError', {
  code: C.networkServiceUnknown,
  description: '`network logs <service>`: not one of redis, chain, appd, coordinator, aggregator.',
});
export type NetworkServiceUnknownError = InstanceType<typeof NetworkServiceUnknownError>;
