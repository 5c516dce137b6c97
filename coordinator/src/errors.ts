import { CloisterError, type CloisterErrorOptions } from '@cloister/protocol';

/**
 * Every error the coordinator reports, each with a stable code (never reused) and an HTTP status.
 * Listed in coordinator/README.md; `errors.test.ts` checks the codes are unique and documented.
 */
export type CoordinatorErrorOptions = CloisterErrorOptions;

export class CoordinatorError extends CloisterError {
  readonly statusCode: number;

  constructor(code: string, statusCode: number, message: string, options: CoordinatorErrorOptions = {}) {
    super(code, message, options);
    this.name = 'CoordinatorError';
    this.statusCode = statusCode;
  }
}

type ErrorSpec = { code: string; statusCode: number; description: string };

/** The registry: one entry per code. */
export const ERROR_CODES = {
  ConfigInvalid: { code: 'CLOISTER_ERR_CONFIG_INVALID', statusCode: 500, description: 'Configuration failed validation at start.' },
  RequestInvalid: { code: 'CLOISTER_ERR_REQUEST_INVALID', statusCode: 400, description: 'Body, params, query or headers do not match the route schema.' },
  MalformedJson: { code: 'CLOISTER_ERR_MALFORMED_JSON', statusCode: 400, description: 'The JSON body could not be parsed.' },
  UnsupportedMediaType: { code: 'CLOISTER_ERR_UNSUPPORTED_MEDIA_TYPE', statusCode: 415, description: 'Content-Type not accepted by this route (uploads need application/octet-stream).' },
  RouteNotFound: { code: 'CLOISTER_ERR_ROUTE_NOT_FOUND', statusCode: 404, description: 'No such route.' },
  TaskNotFound: { code: 'CLOISTER_ERR_TASK_NOT_FOUND', statusCode: 404, description: 'No task with this id on chain.' },
  RoundNotFound: { code: 'CLOISTER_ERR_ROUND_NOT_FOUND', statusCode: 404, description: 'The task has no such round yet.' },
  BlobNotFound: { code: 'CLOISTER_ERR_BLOB_NOT_FOUND', statusCode: 404, description: 'No blob with this sha256 in the store.' },
  UpdateNotFound: { code: 'CLOISTER_ERR_UPDATE_NOT_FOUND', statusCode: 404, description: 'No uploaded update for this participant and round.' },
  AuthRequired: { code: 'CLOISTER_ERR_AUTH_REQUIRED', statusCode: 401, description: 'Missing Authorization: Bearer session token.' },
  SessionInvalid: { code: 'CLOISTER_ERR_SESSION_INVALID', statusCode: 401, description: 'Session token malformed, forged or expired: sign in again.' },
  NonceInvalid: { code: 'CLOISTER_ERR_NONCE_INVALID', statusCode: 401, description: 'Sign-in nonce unknown, expired or already used: request a new one.' },
  SignInMessageInvalid: { code: 'CLOISTER_ERR_SIGNIN_MESSAGE_INVALID', statusCode: 400, description: 'Sign-in message is not the EIP-4361 message this server issued.' },
  SignInSignatureInvalid: { code: 'CLOISTER_ERR_SIGNIN_SIGNATURE_INVALID', statusCode: 401, description: 'Sign-in signature does not recover to the message address.' },
  UploadSignatureMissing: { code: 'CLOISTER_ERR_UPLOAD_SIGNATURE_MISSING', statusCode: 401, description: 'Upload without a well-formed x-cloister-signature header.' },
  UploadSignatureInvalid: { code: 'CLOISTER_ERR_UPLOAD_SIGNATURE_INVALID', statusCode: 401, description: 'x-cloister-signature does not recover to the session address for this ciphertext hash.' },
  NotAdmitted: { code: 'CLOISTER_ERR_NOT_ADMITTED', statusCode: 403, description: 'The account is not an admitted participant of this task.' },
  RoundMismatch: { code: 'CLOISTER_ERR_ROUND_MISMATCH', statusCode: 409, description: 'Upload for a round other than the task\'s current round.' },
  RoundNotOpen: { code: 'CLOISTER_ERR_ROUND_NOT_OPEN', statusCode: 409, description: 'The round is not open for uploads.' },
  DeadlinePassed: { code: 'CLOISTER_ERR_ROUND_DEADLINE_PASSED', statusCode: 409, description: 'The round deadline (plus upload grace) has passed.' },
  UploadTooLarge: { code: 'CLOISTER_ERR_UPLOAD_TOO_LARGE', statusCode: 413, description: 'Body exceeds the task\'s upload size limit.' },
  HashNotCommitted: { code: 'CLOISTER_ERR_HASH_NOT_COMMITTED', statusCode: 409, description: 'No on-chain commitment appeared for this participant within the wait time: commit first.' },
  UpdateConflict: { code: 'CLOISTER_ERR_UPDATE_CONFLICT', statusCode: 409, description: 'The bytes differ from the on-chain commitment or from the update already stored.' },
  BlobHashMismatch: { code: 'CLOISTER_ERR_BLOB_HASH_MISMATCH', statusCode: 400, description: 'PUT /v1/blobs body does not hash to the sha256 in the path.' },
  BlobAuthInvalid: { code: 'CLOISTER_ERR_BLOB_AUTH_INVALID', statusCode: 401, description: 'Blob upload needs the operator token or a valid aggregator signature.' },
  AggregatorAuthInvalid: { code: 'CLOISTER_ERR_AGGREGATOR_AUTH_INVALID', statusCode: 401, description: 'Aggregator headers missing, stale (> 60 s) or not signed by aggregatorSigner().' },
  ChainUnavailable: { code: 'CLOISTER_ERR_CHAIN_UNAVAILABLE', statusCode: 503, description: 'The chain RPC did not answer: retry later.' },
  NotReady: { code: 'CLOISTER_ERR_NOT_READY', statusCode: 503, description: 'Redis or the chain is not reachable.' },
  OperatorKeyMissing: { code: 'CLOISTER_ERR_OPERATOR_KEY_MISSING', statusCode: 500, description: 'Round automation needs chain.operatorPrivateKey.' },
  DashboardNotBuilt: { code: 'CLOISTER_ERR_DASHBOARD_NOT_BUILT', statusCode: 404, description: 'The web dashboard\'s assets are not there: build them (npm run build -w dashboard) or set CLOISTER_DASHBOARD_DIR.' },
  Internal: { code: 'CLOISTER_ERR_INTERNAL', statusCode: 500, description: 'Unexpected error; see the logs (request id).' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERROR_CODES;

/** Builds the coded error for a registry entry. */
export function coordinatorError(name: ErrorName, message: string, options?: CoordinatorErrorOptions): CoordinatorError {
  const spec = ERROR_CODES[name];
  return new CoordinatorError(spec.code, spec.statusCode, message, options);
}

export function isCoordinatorError(error: unknown): error is CoordinatorError {
  return error instanceof CoordinatorError;
}
