// Every error the model runtime raises: one class per problem, each with a stable code (never reused), listed in
// README.md and docs/errors.md. These were the client's (CLOISTER_ERR_CLIENT_…) until the runtime became shared with
// the aggregator; those codes are retired, not reused.
import { CloisterError, errorDefiner } from '@cloister/protocol';

/** Base of the runtime's errors: a CloisterError (stable `code`, `details`, `cause`) from @cloister/protocol. */
export class ModelRuntimeError extends CloisterError {}

/**
 * Stable codes of the model runtime. The README lists them; cli/src/docs/errorReference.test.ts checks they are
 * unique and listed.
 */
export const MODEL_RUNTIME_ERROR_CODES = {
  BackendUnavailable: 'CLOISTER_ERR_RUNTIME_BACKEND_UNAVAILABLE',
  UnsupportedKernelInput: 'CLOISTER_ERR_RUNTIME_UNSUPPORTED_KERNEL_INPUT',
  ModelInvalid: 'CLOISTER_ERR_RUNTIME_MODEL_INVALID',
  WeightsMismatch: 'CLOISTER_ERR_RUNTIME_WEIGHTS_MISMATCH',
  TrainingFailed: 'CLOISTER_ERR_RUNTIME_TRAINING_FAILED',
} as const;

const C = MODEL_RUNTIME_ERROR_CODES;
const define = errorDefiner('model-runtime', ModelRuntimeError);

export class BackendUnavailableError extends define('BackendUnavailableError', { code: C.BackendUnavailable, description: 'Neither tfjs-node nor the wasm backend could be initialised.' }) {}
export class UnsupportedKernelInputError extends define('UnsupportedKernelInputError', { code: C.UnsupportedKernelInput, description: 'A kernel got an input layout it does not implement (e.g. NCHW on wasm, dilation > 1 in a gradient).' }) {}
export class ModelInvalidError extends define('ModelInvalidError', { code: C.ModelInvalid, description: 'The model topology or the training settings (optimizer, loss, metric, learning rate) cannot be used.' }) {}
export class WeightsMismatchError extends define('WeightsMismatchError', { code: C.WeightsMismatch, description: "Weights do not match the model's variables (count, names, shapes or sizes)." }) {}
export class TrainingFailedError extends define('TrainingFailedError', { code: C.TrainingFailed, description: 'Training produced something unusable (non-finite loss or weights, empty data).' }) {}
