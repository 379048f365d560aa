import { COMMON_DOWNLOAD_URL_PATH, FILES_PREFIX, GPT4O_DOWNLOAD_URL_PATH } from '../files.js';
import { envelope, sendText } from '../http.js';
import type { Route } from '../router.js';

/** The download-url endpoints (POST) and the direct links they hand out (GET/HEAD under `/__files/`). */
export const filesRoute: Route = {
  method: '*',
  matches: (path) => path === COMMON_DOWNLOAD_URL_PATH || path === GPT4O_DOWNLOAD_URL_PATH || path.startsWith(FILES_PREFIX),
  handle: (ctx, req, res, target) => {
    if (!ctx.files.handle(req, res, target.path)) sendText(res, 404, envelope(404, 'Not Found'));
  },
};
