// A node:http server for a Fetch-API handler `(request) => Response`: what Next.js, @hono/node-server, Bun.serve
// and Deno.serve do for you. The examples use it to run without those; your framework replaces it.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';

export async function serveFetch(fetchHandler) {
  const server = createServer(async (req, res) => {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers: Object.entries(req.headers).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]),
      ...(hasBody ? { body: Readable.toWeb(req), duplex: 'half' } : {}),
    });
    const response = await fetchHandler(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve) && server.closeAllConnections()),
  };
}
