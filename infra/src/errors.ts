// One registry of the infra package's errors. Every failure has a stable code (`CLOISTER_ERR_INFRA_…`), never
// reused; infra/README.md and docs/errors.md list them all (a test checks it).
import { CloisterError, errorDefiner, errorGuard, type ErrorCodeOf } from '@cloister/protocol';

export const INFRA_ERROR_CODES = {
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

export type InfraErrorCode = ErrorCodeOf<typeof INFRA_ERROR_CODES>;

/** Base class of every infra error: a short message that says what to do next, a stable code, details, a cause. */
export class InfraError extends CloisterError<InfraErrorCode> {}

const define = errorDefiner('infra', InfraError);
const C = INFRA_ERROR_CODES;

export class StackStartFailedError extends define('StackStartFailedError', { code: C.stackStartFailed, description: 'A part of the local stack failed to start (everything started is stopped).' }) {}
export class DatasetMissingError extends define('DatasetMissingError', { code: C.datasetMissing, description: 'The demo data could not be loaded (set CLOISTER_DATA_DIR).' }) {}
export class DemoOptionInvalidError extends define('DemoOptionInvalidError', { code: C.demoOptionInvalid, description: 'Inconsistent demo options.' }) {}
export class FederationFailedError extends define('FederationFailedError', { code: C.federationFailed, description: 'The coordinator refused a blob, or a stored model\'s hash differs from the chain.' }) {}
export class FederationTimeoutError extends define('FederationTimeoutError', { code: C.federationTimeout, description: 'A round was not accepted in time (the message names the last participant error).' }) {}
export class GovernanceKeyMissingError extends define('GovernanceKeyMissingError', { code: C.governanceKeyMissing, description: 'No usable key (keystore, password or private key).' }) {}
export class GovernanceInputInvalidError extends define('GovernanceInputInvalidError', { code: C.governanceInputInvalid, description: 'Bad CLI input (address, hash, parameter, not a member, proposal not passed).' }) {}
export class GovernanceTxFailedError extends define('GovernanceTxFailedError', { code: C.governanceTxFailed, description: 'A transaction reverted; the message names the contract\'s custom error.' }) {}

export const isInfraError = errorGuard(InfraError);
export class NetworkRunningError extends define('NetworkRunningError', { code: C.networkRunning, description: '`cloister network up`: a network already runs in that folder (stop it with `network down`, or use another --dir).' }) {}
export class NetworkNotRunningError extends define('NetworkNotRunningError', { code: C.networkNotRunning, description: '`network status/logs/down`: no network in that folder.' }) {}
export class NetworkStartFailedError extends define('NetworkStartFailedError', { code: C.networkStartFailed, description: '`network up`: a service did not become ready (the message names it and its log); everything started was stopped.' }) {}
export class NetworkStateInvalidError extends define('NetworkStateInvalidError', { code: C.networkStateInvalid, description: 'The network folder is not one `network up` made, or its processes file is unreadable.' }) {}
export class NetworkServiceUnknownError extends define('NetworkServiceUnknownError', { code: C.networkServiceUnknown, description: '`network logs <service>`: not one of redis, chain, appd, coordinator, aggregator.' }) {}
