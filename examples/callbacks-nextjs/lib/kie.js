// One watcher per server process (`next start` on Node): module state outlives requests. Next.js may load a module
// more than once in development, so the watcher is kept on globalThis.
import { TaskWatcher } from 'kie-watcher';

export const watcher = (globalThis.kieWatcher ??= new TaskWatcher({
  apiKey: process.env.KIE_API_KEY ?? '',
  ...(process.env.KIE_BASE_URL ? { baseUrl: process.env.KIE_BASE_URL } : {}),
  expectCallbacks: true, // tasks are created with callBackUrl: polling is only a safety net
}));
