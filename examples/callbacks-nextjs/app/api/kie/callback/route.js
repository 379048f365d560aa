// Next.js App Router: app/api/kie/callback/route.js (or .ts). KIE POSTs here; the handler reads the body itself,
// once and with a cap, so do not call request.json() before it. The body is not signed (only taskId and
// timestamp are): it only says "look at this task", and the watcher's confirming poll gives the result.
import { createFetchCallbackHandler } from 'kie-watcher/callbacks';
import { watcher } from '../../../../lib/kie.js';

export const runtime = 'nodejs'; // node:crypto verifies the signature
export const dynamic = 'force-dynamic';

export const POST = createFetchCallbackHandler(watcher, { hmacKey: process.env.KIE_WEBHOOK_HMAC_KEY });
