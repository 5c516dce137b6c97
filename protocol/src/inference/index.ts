export {
  buildInferenceInfo,
  signInferenceRequest,
  recoverInferenceRequestSigner,
  INFERENCE_PROTOCOL_VERSION,
  type InferenceContext,
} from './inferenceContext.js';
export {
  sealInferenceRequest,
  openInferenceRequest,
  sealInferenceAnswer,
  openInferenceAnswer,
  type SealedInferenceRequest,
} from './sealInference.js';
