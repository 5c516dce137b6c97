export { buildModelSealInfo, initialModelEnvelopeContext, modelKeyId, MODEL_SEAL_VERSION, type ModelSealContext } from './buildModelSealInfo.js';
export { sealModel, openModel, isSealedModel, readSealedModelHeader, type SealModelOptions, type OpenModelOptions } from './sealModel.js';
