export {
  decodeValidationSet,
  encodeValidationSet,
  openValidationSet,
  sealValidationSet,
  validationSetContext,
  type ValidationExamples,
  type ValidationSetDeployment,
} from './validationSet.js';
