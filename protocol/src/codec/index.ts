export type { NamedTensor } from './types.js';
export { encodeTensors, shapeSize } from './encodeTensors.js';
export { decodeTensors } from './decodeTensors.js';
export { TENSOR_FORMAT_VERSION, TENSOR_LIMITS } from './layout.js';
