// Every error the model runtime raises: one class per problem, each with a stable code (never reused), listed in
// README.md. These were the client's (CLOISTER_ERR_CLIENT_…) until the runtime became shared with the aggregator.
import { CloisterError } from '@cloister/protocol';

export type ErrorDetails = Record<string, unknown>;

/** Base of the runtime's errors: a CloisterError (stable `code`, `details`, `cause`) from @cloister/protocol. */
export class ModelRuntimeError extends CloisterError {
  constructor(code: string, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(code, message, { details, cause: options?.cause });
  }
}

/** Stable codes of the model runtime. The README lists them; a unit test checks they are unique. */
export const MODEL_RUNTIME_ERROR_CODES = {
  BackendUnavailable: 'CLOISTER_ERR_RUNTIME_BACKEND_UNAVAILABLE',
  UnsupportedKernelInput: 'CLOISTER_ERR_RUNTIME_UNSUPPORTED_KERNEL_INPUT',
  ModelInvalid: 'CLOISTER_ERR_RUNTIME_MODEL_INVALID',
  WeightsMismatch: 'CLOISTER_ERR_RUNTIME_WEIGHTS_MISMATCH',
  TrainingFailed: 'CLOISTER_ERR_RUNTIME_TRAINING_FAILED',
} as const;

const C = MODEL_RUNTIME_ERROR_CODES;

/** Neither tfjs-node nor the wasm backend could be initialised. */
export class BackendUnavailableError extends ModelRuntimeError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.BackendUnavailable, message, details, options);
  }
}

/** A kernel got an input layout it does not implement (e.g. NCHW on wasm, dilation > 1 in a gradient). */
export class UnsupportedKernelInputError extends ModelRuntimeError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.UnsupportedKernelInput, message, details);
  }
}

/** The model topology or the training settings (optimizer, loss, metric, learning rate) cannot be used. */
export class ModelInvalidError extends ModelRuntimeError {
  constructor(message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(C.ModelInvalid, message, details, options);
  }
}

/** Weights do not match the model's variables (count, names, shapes or sizes). */
export class WeightsMismatchError extends ModelRuntimeError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.WeightsMismatch, message, details);
  }
}

/** Training produced something unusable (non-finite loss or weights, empty data). */
export class TrainingFailedError extends ModelRuntimeError {
  constructor(message: string, details?: ErrorDetails) {
    super(C.TrainingFailed, message, details);
  }
}
