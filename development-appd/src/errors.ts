// The development appd's errors (protocol's errorDefiner: stable code, entry in docs/errors.md).
import { errorDefiner } from '@cloister/protocol';

export const DEVELOPMENT_APPD_ERROR_CODES = {
  optionsInvalid: 'CLOISTER_ERR_DEVELOPMENT_APPD_OPTIONS_INVALID',
} as const;

const define = errorDefiner('development-appd');

export class DevelopmentAppdOptionsInvalidError extends define('DevelopmentAppdOptionsInvalidError', { code: DEVELOPMENT_APPD_ERROR_CODES.optionsInvalid, description: 'startDevelopmentAppd: the secret is shorter than 16 bytes or the app id is not a rofl1… id.' }) {}
