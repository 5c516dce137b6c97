import { CloisterError } from '@cloister/protocol';

/**
 * Errors thrown by the @cloister/contracts TypeScript helpers. Every error has a stable `code`
 * (`CLOISTER_ERR_CONTRACTS_…`), never reused; the list is in contracts/README.md.
 */
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
} as const;

export type ContractsErrorCode = (typeof CONTRACTS_ERROR_CODES)[keyof typeof CONTRACTS_ERROR_CODES];

/** Base class of every error the helpers throw (protocol's CloisterError): a short message, a stable code, optional details and cause. */
export class ContractsError extends CloisterError {
  declare readonly code: ContractsErrorCode;

  constructor(code: ContractsErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { ...(details === undefined ? {} : { details }), ...(cause === undefined ? {} : { cause }) });
  }
}
