import { CloisterError, errorDefiner, errorGuard, type CloisterErrorClass } from '@cloister/protocol';

// Every error the coordinator reports, each with a stable code (never reused) and the HTTP status it answers with.
// Listed in coordinator/README.md and docs/errors.md; cli/src/docs/errorReference.test.ts checks the codes are unique
// and documented.

/** Base of the coordinator's errors: every one carries the HTTP status the API answers with. */
export class CoordinatorError extends CloisterError {
  declare readonly statusCode: number;
}

const define = errorDefiner('coordinator', CoordinatorError);

export class ConfigInvalidError extends define('ConfigInvalidError', { code: 'CLOISTER_ERR_CONFIG_INVALID', statusCode: 500, description: 'Configuration failed validation at start.' }) {}
export class RequestInvalidError extends define('RequestInvalidError', { code: 'CLOISTER_ERR_REQUEST_INVALID', statusCode: 400, description: 'Body, params, query or headers do not match the route schema.' }) {}
export class MalformedJsonError extends define('MalformedJsonError', { code: 'CLOISTER_ERR_MALFORMED_JSON', statusCode: 400, description: 'The JSON body could not be parsed.' }) {}
export class UnsupportedMediaTypeError extends define('UnsupportedMediaTypeError', { code: 'CLOISTER_ERR_UNSUPPORTED_MEDIA_TYPE', statusCode: 415, description: 'Content-Type not accepted by this route (uploads need application/octet-stream).' }) {}
export class RouteNotFoundError extends define('RouteNotFoundError', { code: 'CLOISTER_ERR_ROUTE_NOT_FOUND', statusCode: 404, description: 'No such route.' }) {}
export class TaskNotFoundError extends define('TaskNotFoundError', { code: 'CLOISTER_ERR_TASK_NOT_FOUND', statusCode: 404, description: 'No task with this id on chain.' }) {}
export class RoundNotFoundError extends define('RoundNotFoundError', { code: 'CLOISTER_ERR_ROUND_NOT_FOUND', statusCode: 404, description: 'The task has no such round yet.' }) {}
export class BlobNotFoundError extends define('BlobNotFoundError', { code: 'CLOISTER_ERR_BLOB_NOT_FOUND', statusCode: 404, description: 'No blob with this sha256 in the store.' }) {}
export class UpdateNotFoundError extends define('UpdateNotFoundError', { code: 'CLOISTER_ERR_UPDATE_NOT_FOUND', statusCode: 404, description: 'No uploaded update for this participant and round.' }) {}
export class AuthRequiredError extends define('AuthRequiredError', { code: 'CLOISTER_ERR_AUTH_REQUIRED', statusCode: 401, description: 'Missing Authorization: Bearer session token.' }) {}
export class SessionInvalidError extends define('SessionInvalidError', { code: 'CLOISTER_ERR_SESSION_INVALID', statusCode: 401, description: 'Session token malformed, forged or expired: sign in again.' }) {}
export class NonceInvalidError extends define('NonceInvalidError', { code: 'CLOISTER_ERR_NONCE_INVALID', statusCode: 401, description: 'Sign-in nonce unknown, expired or already used: request a new one.' }) {}
export class SignInMessageInvalidError extends define('SignInMessageInvalidError', { code: 'CLOISTER_ERR_SIGNIN_MESSAGE_INVALID', statusCode: 400, description: 'Sign-in message is not the EIP-4361 message this server issued.' }) {}
export class SignInSignatureInvalidError extends define('SignInSignatureInvalidError', { code: 'CLOISTER_ERR_SIGNIN_SIGNATURE_INVALID', statusCode: 401, description: 'Sign-in signature does not recover to the message address.' }) {}
export class UploadSignatureMissingError extends define('UploadSignatureMissingError', { code: 'CLOISTER_ERR_UPLOAD_SIGNATURE_MISSING', statusCode: 401, description: 'Upload without a well-formed x-cloister-signature header.' }) {}
export class UploadSignatureInvalidError extends define('UploadSignatureInvalidError', { code: 'CLOISTER_ERR_UPLOAD_SIGNATURE_INVALID', statusCode: 401, description: 'x-cloister-signature does not recover to the session address for this ciphertext hash.' }) {}
export class NotAdmittedError extends define('NotAdmittedError', { code: 'CLOISTER_ERR_NOT_ADMITTED', statusCode: 403, description: 'The account is not an admitted participant of this task.' }) {}
export class RoundMismatchError extends define('RoundMismatchError', { code: 'CLOISTER_ERR_ROUND_MISMATCH', statusCode: 409, description: 'Upload for a round other than the task\'s current round.' }) {}
export class RoundNotOpenError extends define('RoundNotOpenError', { code: 'CLOISTER_ERR_ROUND_NOT_OPEN', statusCode: 409, description: 'The round is not open for uploads.' }) {}
export class DeadlinePassedError extends define('DeadlinePassedError', { code: 'CLOISTER_ERR_ROUND_DEADLINE_PASSED', statusCode: 409, description: 'The round deadline (plus upload grace) has passed.' }) {}
export class UploadTooLargeError extends define('UploadTooLargeError', { code: 'CLOISTER_ERR_UPLOAD_TOO_LARGE', statusCode: 413, description: 'Body exceeds the task\'s upload size limit.' }) {}
export class HashNotCommittedError extends define('HashNotCommittedError', { code: 'CLOISTER_ERR_HASH_NOT_COMMITTED', statusCode: 409, description: 'No on-chain commitment appeared for this participant within the wait time: commit first.' }) {}
export class UpdateConflictError extends define('UpdateConflictError', { code: 'CLOISTER_ERR_UPDATE_CONFLICT', statusCode: 409, description: 'The bytes differ from the on-chain commitment or from the update already stored.' }) {}
export class BlobHashMismatchError extends define('BlobHashMismatchError', { code: 'CLOISTER_ERR_BLOB_HASH_MISMATCH', statusCode: 400, description: 'PUT /v1/blobs body does not hash to the sha256 in the path.' }) {}
export class TaskSpecInvalidError extends define('TaskSpecInvalidError', { code: 'CLOISTER_ERR_TASK_SPEC_INVALID', statusCode: 400, description: 'PUT /v1/task-specs body is not a valid task spec (the message names each wrong field); nothing was stored.' }) {}
export class BlobAuthInvalidError extends define('BlobAuthInvalidError', { code: 'CLOISTER_ERR_BLOB_AUTH_INVALID', statusCode: 401, description: 'Blob upload needs the operator token or a valid aggregator signature.' }) {}
export class AggregatorAuthInvalidError extends define('AggregatorAuthInvalidError', { code: 'CLOISTER_ERR_AGGREGATOR_AUTH_INVALID', statusCode: 401, description: 'Aggregator headers missing, stale (> 60 s) or not signed by aggregatorSigner().' }) {}
export class ChainUnavailableError extends define('ChainUnavailableError', { code: 'CLOISTER_ERR_CHAIN_UNAVAILABLE', statusCode: 503, description: 'The chain RPC did not answer in time: retry after the Retry-After seconds.' }) {}
export class NotReadyError extends define('NotReadyError', { code: 'CLOISTER_ERR_NOT_READY', statusCode: 503, description: 'Redis or the chain is not reachable.' }) {}
export class OperatorKeyMissingError extends define('OperatorKeyMissingError', { code: 'CLOISTER_ERR_OPERATOR_KEY_MISSING', statusCode: 500, description: 'Round automation needs chain.operatorPrivateKey.' }) {}
export class DashboardNotBuiltError extends define('DashboardNotBuiltError', { code: 'CLOISTER_ERR_DASHBOARD_NOT_BUILT', statusCode: 404, description: 'The web dashboard\'s assets are not there: build them (npm run build -w dashboard) or set CLOISTER_DASHBOARD_DIR.' }) {}
export class RateLimitedError extends define('RateLimitedError', { code: 'CLOISTER_ERR_RATE_LIMITED', statusCode: 429, description: 'Too many requests for this account in the window (rateLimits): retry after the Retry-After seconds.' }) {}
export class SocketRoomLimitError extends define('SocketRoomLimitError', { code: 'CLOISTER_ERR_SOCKET_ROOM_LIMIT', statusCode: 429, description: 'socket.io: this connection joined socket.maxRoomsPerConnection task rooms already (subscribe { all: true } watches every task).' }) {}
export class RedisUnavailableError extends define('RedisUnavailableError', { code: 'CLOISTER_ERR_REDIS_UNAVAILABLE', statusCode: 503, description: 'Redis did not answer in time: retry after the Retry-After seconds.' }) {}
export class RequestAbortedError extends define('RequestAbortedError', { code: 'CLOISTER_ERR_REQUEST_ABORTED', statusCode: 400, description: 'The client closed the connection before the request was read (logged as an aborted request; the client never sees this answer).' }) {}
export class InternalError extends define('InternalError', { code: 'CLOISTER_ERR_INTERNAL', statusCode: 500, description: 'Unexpected error; see the logs (request id).' }) {}

// Not HTTP answers: they stay inside the coordinator (logged, retried).
export class RoundEventInvalidError extends define('RoundEventInvalidError', { code: 'CLOISTER_ERR_ROUND_EVENT_INVALID', description: 'A socket event payload failed RoundEventSchema: it is logged and never sent (clients would drop it and fall back to polling).' }) {}
export class RoundJobEarlyError extends define('RoundJobEarlyError', { code: 'CLOISTER_ERR_ROUND_JOB_EARLY', description: 'A rounds-queue job ran before the chain allowed it (deadline or challenge window not over); it is delayed or retried, never failed.' }) {}

/** The coordinator's errors by short name (`TaskNotFound` → TaskNotFoundError). */
export const COORDINATOR_ERRORS = {
  ConfigInvalid: ConfigInvalidError,
  RequestInvalid: RequestInvalidError,
  MalformedJson: MalformedJsonError,
  UnsupportedMediaType: UnsupportedMediaTypeError,
  RouteNotFound: RouteNotFoundError,
  TaskNotFound: TaskNotFoundError,
  RoundNotFound: RoundNotFoundError,
  BlobNotFound: BlobNotFoundError,
  UpdateNotFound: UpdateNotFoundError,
  AuthRequired: AuthRequiredError,
  SessionInvalid: SessionInvalidError,
  NonceInvalid: NonceInvalidError,
  SignInMessageInvalid: SignInMessageInvalidError,
  SignInSignatureInvalid: SignInSignatureInvalidError,
  UploadSignatureMissing: UploadSignatureMissingError,
  UploadSignatureInvalid: UploadSignatureInvalidError,
  NotAdmitted: NotAdmittedError,
  RoundMismatch: RoundMismatchError,
  RoundNotOpen: RoundNotOpenError,
  DeadlinePassed: DeadlinePassedError,
  UploadTooLarge: UploadTooLargeError,
  HashNotCommitted: HashNotCommittedError,
  UpdateConflict: UpdateConflictError,
  BlobHashMismatch: BlobHashMismatchError,
  TaskSpecInvalid: TaskSpecInvalidError,
  BlobAuthInvalid: BlobAuthInvalidError,
  AggregatorAuthInvalid: AggregatorAuthInvalidError,
  ChainUnavailable: ChainUnavailableError,
  NotReady: NotReadyError,
  OperatorKeyMissing: OperatorKeyMissingError,
  DashboardNotBuilt: DashboardNotBuiltError,
  RateLimited: RateLimitedError,
  SocketRoomLimit: SocketRoomLimitError,
  RedisUnavailable: RedisUnavailableError,
  RequestAborted: RequestAbortedError,
  Internal: InternalError,
} as const satisfies Record<string, CloisterErrorClass<string, CoordinatorError>>;

export type ErrorName = keyof typeof COORDINATOR_ERRORS;

/** Code, HTTP status and description of every coordinator error, by short name. */
export const ERROR_CODES = Object.fromEntries(
  Object.entries(COORDINATOR_ERRORS).map(([name, cls]) => [
    name,
    { code: cls.code, statusCode: cls.definition.statusCode!, description: cls.definition.description },
  ]),
) as { [K in ErrorName]: { code: (typeof COORDINATOR_ERRORS)[K]['code']; statusCode: number; description: string } };

export const isCoordinatorError = errorGuard(CoordinatorError);
