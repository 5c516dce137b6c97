// Errors of the `cloister` command line. Every one has a stable code (`CLOISTER_ERR_CLI_…`), never reused, listed in
// cli/README.md with the exit code the command ends with.
import { CloisterError, errorDefiner, type ErrorCodeOf } from '@cloister/protocol';

export const CLI_ERROR_CODES = {
  usage: 'CLOISTER_ERR_CLI_USAGE',
  fileMissing: 'CLOISTER_ERR_CLI_FILE_MISSING',
  taskInvalid: 'CLOISTER_ERR_CLI_TASK_INVALID',
  datasetMismatch: 'CLOISTER_ERR_CLI_DATASET_MISMATCH',
  keyMissing: 'CLOISTER_ERR_CLI_KEY_MISSING',
  networkUnreachable: 'CLOISTER_ERR_CLI_NETWORK_UNREACHABLE',
  notFound: 'CLOISTER_ERR_CLI_NOT_FOUND',
  hashMismatch: 'CLOISTER_ERR_CLI_HASH_MISMATCH',
  taskFailed: 'CLOISTER_ERR_CLI_TASK_FAILED',
  unexpected: 'CLOISTER_ERR_CLI_UNEXPECTED',
} as const;

export type CliErrorCode = ErrorCodeOf<typeof CLI_ERROR_CODES>;

/** Base class of every error the `cloister` command line throws (protocol's CloisterError). */
export class CliError extends CloisterError<CliErrorCode> {}

const define = errorDefiner('cli', CliError);
const C = CLI_ERROR_CODES;

export class CliUsageError extends define('CliUsageError', { code: C.usage, description: 'A flag or argument is missing or malformed: the message says which and what to pass (exit code 2).' }) {}
export class CliFileMissingError extends define('CliFileMissingError', { code: C.fileMissing, description: 'A file the command reads does not exist (exit code 3).' }) {}
export class CliTaskInvalidError extends define('CliTaskInvalidError', { code: C.taskInvalid, description: 'The task folder does not validate: every problem is listed with its file and field (exit code 3).' }) {}
export class CliDatasetMismatchError extends define('CliDatasetMismatchError', { code: C.datasetMismatch, description: "The site's data does not match the task's data schema (exit code 3)." }) {}
export class CliKeyMissingError extends define('CliKeyMissingError', { code: C.keyMissing, description: 'The command signs or authenticates but has no usable key, passphrase or operator token (exit code 3).' }) {}
export class CliNetworkUnreachableError extends define('CliNetworkUnreachableError', { code: C.networkUnreachable, description: 'The chain or the coordinator of the connection file does not answer, or is another chain (exit code 4).' }) {}
export class CliNotFoundError extends define('CliNotFoundError', { code: C.notFound, description: 'The task, round or result asked for does not exist (yet) (exit code 5).' }) {}
export class CliHashMismatchError extends define('CliHashMismatchError', { code: C.hashMismatch, description: 'A downloaded model or document does not hash to what the chain recorded (exit code 6).' }) {}
export class CliTaskFailedError extends define('CliTaskFailedError', { code: C.taskFailed, description: 'A service or the chain refused the step (not a member, a refused blob, a node that exited) (exit code 5).' }) {}
/** Not thrown: the code formatError prints for an error that is not a Cloister error (a bug to report). */
export class CliUnexpectedError extends define('CliUnexpectedError', { code: C.unexpected, description: 'Something failed that Cloister does not know as an error: run again with --log-level debug and report it (exit code 1).' }) {}

/**
 * Exit codes (cli/README.md): 0 success, 1 any other failure, 2 usage (bad flag or argument), 3 invalid input file
 * (task folder, dataset, connection file), 4 network unreachable or not running, 5 refused by the chain or a
 * service (revert, not admitted, not passed), 6 verification failed (hash mismatch), 130/143 interrupted.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, input: 3, network: 4, refused: 5, verification: 6 } as const;

const BY_CODE: Record<string, number> = {
  CLOISTER_ERR_CLI_USAGE: EXIT.usage,
  CLOISTER_ERR_CLI_FILE_MISSING: EXIT.input,
  CLOISTER_ERR_CLI_TASK_INVALID: EXIT.input,
  CLOISTER_ERR_CLI_DATASET_MISMATCH: EXIT.input,
  CLOISTER_ERR_CLI_KEY_MISSING: EXIT.input,
  CLOISTER_ERR_CLI_NETWORK_UNREACHABLE: EXIT.network,
  CLOISTER_ERR_CLI_NOT_FOUND: EXIT.refused,
  CLOISTER_ERR_CLI_HASH_MISMATCH: EXIT.verification,
  CLOISTER_ERR_CLI_TASK_FAILED: EXIT.refused,
  CLOISTER_ERR_CONTRACTS_CONNECTION_NOT_FOUND: EXIT.network,
  CLOISTER_ERR_CONTRACTS_CONNECTION_INVALID: EXIT.input,
  CLOISTER_ERR_INFRA_NETWORK_NOT_RUNNING: EXIT.network,
  CLOISTER_ERR_INFRA_NETWORK_RUNNING: EXIT.refused,
  CLOISTER_ERR_INFRA_GOVERNANCE_INPUT_INVALID: EXIT.input,
  CLOISTER_ERR_INFRA_GOVERNANCE_TX_FAILED: EXIT.refused,
  CLOISTER_ERR_CLIENT_DATASET_CONFIG_INVALID: EXIT.input,
  CLOISTER_ERR_CLIENT_DATASET_FILE: EXIT.input,
  CLOISTER_ERR_CLIENT_DATASET_PARSE: EXIT.input,
  CLOISTER_ERR_CLIENT_DATASET_SCHEMA_MISMATCH: EXIT.input,
  CLOISTER_ERR_CLIENT_NOT_ADMITTED: EXIT.refused,
  CLOISTER_ERR_CLIENT_CHAIN_UNAVAILABLE: EXIT.network,
  CLOISTER_ERR_CLIENT_COORDINATOR_UNAVAILABLE: EXIT.network,
};

export function exitCodeOf(error: unknown): number {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? (BY_CODE[code] ?? EXIT.failure) : EXIT.failure;
}

/** `error [CODE]: what happened — what to do next`, one line, never a stack trace. */
export function formatError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; shortMessage?: unknown };
  const known = typeof e?.code === 'string' && e.code.startsWith('CLOISTER_ERR_');
  const code = known ? (e.code as string) : CLI_ERROR_CODES.unexpected;
  const message = String(e?.shortMessage ?? e?.message ?? error)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
  return `error [${code}]: ${message}${known ? '' : ' — unexpected: run again with --log-level debug and report it with the command you ran'}`;
}
