// Errors thrown by the @cloister/contracts TypeScript helpers. Every error has a stable `code`
// (`CLOISTER_ERR_CONTRACTS_…`), never reused; the list is in contracts/README.md and docs/errors.md.
import { CloisterError, errorDefiner, type ErrorCodeOf } from '@cloister/protocol';

export const CONTRACTS_ERROR_CODES = {
  deploymentNotFound: 'CLOISTER_ERR_CONTRACTS_DEPLOYMENT_NOT_FOUND',
  deploymentInvalid: 'CLOISTER_ERR_CONTRACTS_DEPLOYMENT_INVALID',
  deployOptionsInvalid: 'CLOISTER_ERR_CONTRACTS_DEPLOY_OPTIONS_INVALID',
  roflAppIdInvalid: 'CLOISTER_ERR_CONTRACTS_ROFL_APP_ID_INVALID',
  localChainFailed: 'CLOISTER_ERR_CONTRACTS_LOCAL_CHAIN_FAILED',
  sapphireMocksOnSapphire: 'CLOISTER_ERR_CONTRACTS_MOCKS_ON_SAPPHIRE',
  sapphireMocksMissing: 'CLOISTER_ERR_CONTRACTS_MOCKS_MISSING',
  siweLoginFailed: 'CLOISTER_ERR_CONTRACTS_SIWE_LOGIN_FAILED',
  connectionNotFound: 'CLOISTER_ERR_CONTRACTS_CONNECTION_NOT_FOUND',
  connectionInvalid: 'CLOISTER_ERR_CONTRACTS_CONNECTION_INVALID',
  pageSizeInvalid: 'CLOISTER_ERR_CONTRACTS_PAGE_SIZE_INVALID',
  outcomesInvalid: 'CLOISTER_ERR_CONTRACTS_OUTCOMES_INVALID',
} as const;

export type ContractsErrorCode = ErrorCodeOf<typeof CONTRACTS_ERROR_CODES>;

/** Base class of every error the helpers throw (protocol's CloisterError). */
export class ContractsError extends CloisterError<ContractsErrorCode> {}

const define = errorDefiner('contracts', ContractsError);
const C = CONTRACTS_ERROR_CODES;

export class DeploymentNotFoundError extends define('DeploymentNotFoundError', { code: C.deploymentNotFound, description: 'loadDeployment found no deployment file: deploy first.' }) {}
export class DeploymentInvalidError extends define('DeploymentInvalidError', { code: C.deploymentInvalid, description: 'The deployment JSON is malformed or lacks fields.' }) {}
export class DeployOptionsInvalidError extends define('DeployOptionsInvalidError', { code: C.deployOptionsInvalid, description: 'deployCloister options are invalid (members, quorum, periods, operator, no provider).' }) {}
export class RoflAppIdInvalidError extends define('RoflAppIdInvalidError', { code: C.roflAppIdInvalid, description: 'Not a rofl1… bech32 app id nor bytes21 hex.' }) {}
export class LocalChainFailedError extends define('LocalChainFailedError', { code: C.localChainFailed, description: 'startLocalChain: the node exited or did not answer in time.' }) {}
export class SapphireMocksOnSapphireError extends define('SapphireMocksOnSapphireError', { code: C.sapphireMocksOnSapphire, description: 'The precompile mock helpers were called on a Sapphire chain.' }) {}
export class SapphireMocksMissingError extends define('SapphireMocksMissingError', { code: C.sapphireMocksMissing, description: 'A development chain without the precompile mocks (call installSapphireMocks).' }) {}
export class SiweLoginFailedError extends define('SiweLoginFailedError', { code: C.siweLoginFailed, description: 'siweLogin: no provider, or the contract refused the message (domain, chain, expiry).' }) {}
export class ConnectionNotFoundError extends define('ConnectionNotFoundError', { code: C.connectionNotFound, description: 'loadConnection found no connection file (`cloister network up` writes one; a deployment publishes one).' }) {}
export class ConnectionInvalidError extends define('ConnectionInvalidError', { code: C.connectionInvalid, description: 'The connection file is not JSON or a field is wrong (the message names it).' }) {}
export class PageSizeInvalidError extends define('PageSizeInvalidError', { code: C.pageSizeInvalid, description: 'outcomePages / finalizeRoundInPages / creditRoundRewards: the page size is not a positive integer.' }) {}
export class OutcomesInvalidError extends define('OutcomesInvalidError', { code: C.outcomesInvalid, description: 'outcomePages: an included account without a score or an excluded one without a reason.' }) {}
