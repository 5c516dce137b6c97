// Errors thrown by the @cloister/contracts TypeScript helpers. Every error has a stable `code`
// (`CLOISTER_ERR_CONTRACTS_…`), never reused; the list is in contracts/README.md and docs/errors.md.
import { CloisterError, errorDefiner } from '@cloister/protocol';

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

export type ContractsErrorCode = (typeof CONTRACTS_ERROR_CODES)[keyof typeof CONTRACTS_ERROR_CODES];

/** Base class of every error the helpers throw (protocol's CloisterError). */
export class ContractsError extends CloisterError {
  declare readonly code: ContractsErrorCode;
}

const define = errorDefiner('contracts', ContractsError);
const C = CONTRACTS_ERROR_CODES;

export const DeploymentNotFoundError = define('DeploymentNotFoundError', {
  code: C.deploymentNotFound,
  description: 'loadDeployment found no deployment file: deploy first.',
});
export type DeploymentNotFoundError = InstanceType<typeof DeploymentNotFoundError>;
export const DeploymentInvalidError = define('DeploymentInvalidError', {
  code: C.deploymentInvalid,
  description: 'The deployment JSON is malformed or lacks fields.',
});
export type DeploymentInvalidError = InstanceType<typeof DeploymentInvalidError>;
export const DeployOptionsInvalidError = define('DeployOptionsInvalidError', {
  code: C.deployOptionsInvalid,
  description: 'deployCloister options are invalid (members, quorum, periods, operator, no provider).',
});
export type DeployOptionsInvalidError = InstanceType<typeof DeployOptionsInvalidError>;
export const RoflAppIdInvalidError = define('RoflAppIdInvalidError', {
  code: C.roflAppIdInvalid,
  description: 'Not a rofl1… bech32 app id nor bytes21 hex.',
});
export type RoflAppIdInvalidError = InstanceType<typeof RoflAppIdInvalidError>;
export const LocalChainFailedError = define('LocalChainFailedError', {
  code: C.localChainFailed,
  description: 'startLocalChain: the node exited or did not answer in time.',
});
export type LocalChainFailedError = InstanceType<typeof LocalChainFailedError>;
export const SapphireMocksOnSapphireError = define('SapphireMocksOnSapphireError', {
  code: C.sapphireMocksOnSapphire,
  description: 'The precompile mock helpers were called on a Sapphire chain.',
});
export type SapphireMocksOnSapphireError = InstanceType<typeof SapphireMocksOnSapphireError>;
export const SapphireMocksMissingError = define('SapphireMocksMissingError', {
  code: C.sapphireMocksMissing,
  description: 'A development chain without the precompile mocks (call installSapphireMocks).',
});
export type SapphireMocksMissingError = InstanceType<typeof SapphireMocksMissingError>;
export const SiweLoginFailedError = define('SiweLoginFailedError', {
  code: C.siweLoginFailed,
  description: 'siweLogin: no provider, or the contract refused the message (domain, chain, expiry).',
});
export type SiweLoginFailedError = InstanceType<typeof SiweLoginFailedError>;
export const ConnectionNotFoundError = define('ConnectionNotFoundError', {
  code: C.connectionNotFound,
  description: 'loadConnection found no connection file (`cloister network up` writes one; a deployment publishes one).',
});
export type ConnectionNotFoundError = InstanceType<typeof ConnectionNotFoundError>;
export const ConnectionInvalidError = define('ConnectionInvalidError', {
  code: C.connectionInvalid,
  description: 'The connection file is not JSON or a field is wrong (the message names it).',
});
export type ConnectionInvalidError = InstanceType<typeof ConnectionInvalidError>;

export const PageSizeInvalidError = define('PageSizeInvalidError', {
  code: C.pageSizeInvalid,
  description: 'outcomePages / finalizeRoundInPages / creditRoundRewards: the page size is not a positive integer.',
});
export type PageSizeInvalidError = InstanceType<typeof PageSizeInvalidError>;
export const OutcomesInvalidError = define('OutcomesInvalidError', {
  code: C.outcomesInvalid,
  description: 'outcomePages: an included account without a score or an excluded one without a reason.',
});
export type OutcomesInvalidError = InstanceType<typeof OutcomesInvalidError>;
