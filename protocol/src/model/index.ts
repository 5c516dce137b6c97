export { buildModelSealInfo, modelKeyId, MODEL_SEAL_VERSION, type ModelSealContext } from './buildModelSealInfo.js';
export { sealModel, openModel, isSealedModel, type SealModelOptions, type OpenModelOptions } from './sealModel.js';
