import type { ServerResponse } from 'node:http';
import { envelope, sendText } from './http.js';
import type { SimulatorFaults } from './types.js';

export type FaultKind = 'reset' | 'http5xx' | 'http429' | 'malformedJson' | 'body500' | 'body455' | 'body429' | 'body408';
// Fixed order so that a given seed and fault config always inject the same faults.
const FAULT_KINDS: readonly FaultKind[] = ['reset', 'http5xx', 'http429', 'malformedJson', 'body500', 'body455', 'body429', 'body408'];
const BODY_FAULT_MESSAGES: Record<'body500' | 'body455' | 'body429' | 'body408', [number, string]> = {
  body500: [500, 'Server Error'],
  body455: [455, 'Service Unavailable: system maintenance'],
  body429: [429, 'rate limited'],
  body408: [408, 'upstream returned no result within 10 minutes'],
};
const HTTP5XX: readonly [number, string][] = [
  [502, 'Bad Gateway'],
  [503, 'Service Temporarily Unavailable'],
  [504, 'Gateway Time-out'],
];

/** Draws the faults of each request from its own seeded stream, so that adding tasks does not change them. */
export class FaultInjector {
  readonly #rand: () => number;
  faults: SimulatorFaults;
  injected = 0;

  constructor(rand: () => number, faults: SimulatorFaults) {
    this.#rand = rand;
    this.faults = faults;
  }

  /** The fault for one request (or none), and how long to stall it first. */
  pick(): { kind: FaultKind | undefined; slowMs: number } {
    const faults = this.faults;
    let slowMs = 0;
    // Draw only for configured faults, so a fault-free run consumes no randomness.
    if (faults.slow && this.#rand() < faults.slow) {
      slowMs = faults.slowMs ?? 2000;
      this.injected++;
    }
    for (const kind of FAULT_KINDS) {
      const p = faults[kind];
      if (p && this.#rand() < p) {
        this.injected++;
        return { kind, slowMs };
      }
    }
    return { kind: undefined, slowMs };
  }

  /**
   * Answers with fault `kind` the way a proxy or the provider would; `text` is the answer the request would have
   * had (cut short by `malformedJson` and `reset`).
   */
  answer(res: ServerResponse, kind: FaultKind, text: () => string): void {
    switch (kind) {
      case 'http5xx': {
        const [status, title] = HTTP5XX[Math.floor(this.#rand() * HTTP5XX.length)] ?? [502, 'Bad Gateway'];
        const html = `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
        sendText(res, status, html, 'text/html');
        return;
      }
      case 'http429': {
        // Undocumented by the provider, so only sometimes present: clients must cope either way.
        const extra: Record<string, string> = this.#rand() < 0.5 ? { 'retry-after': '1' } : {};
        const html = '<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n</body>\r\n</html>\r\n';
        sendText(res, 429, html, 'text/html', extra);
        return;
      }
      case 'malformedJson': {
        const full = text();
        sendText(res, 200, full.slice(0, Math.max(1, Math.floor(full.length / 2))));
        return;
      }
      case 'reset': {
        const full = Buffer.from(text(), 'utf8');
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': full.length });
        res.write(full.subarray(0, Math.max(1, Math.floor(full.length / 2))), () => {
          res.socket?.destroy();
        });
        return;
      }
      default: {
        const [code, msg] = BODY_FAULT_MESSAGES[kind];
        sendText(res, 200, envelope(code, msg));
      }
    }
  }
}
