export { verifyKieCallback, DEFAULT_TOLERANCE_SEC } from './verify.js';
export type { CallbackHeaders, VerifyKieCallbackOptions, VerifiedKieCallback } from './verify.js';
export { createCallbackHandler, CALLBACK_DEFAULTS } from './handler.js';
export type { CallbackHandler, CallbackHandlerOptions, CallbackLogger, CallbackPokeTarget } from './handler.js';
export { CallbackRejectedError } from '../errors.js';
export type { CallbackRejectionReason, CallbackRejectionStatus } from './rejections.js';
export { signKieCallback, kieCallbackHeaders, TIMESTAMP_HEADER, SIGNATURE_HEADER } from './sign.js';
export type { HmacKey } from './sign.js';
