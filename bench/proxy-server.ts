/**
 * The counting proxy, run as its own process (bench/proxy.ts forks it) so that its work never
 * shares an event loop with a peer it measures: listens on a unix socket, forwards every HTTP
 * request to the engine's socket over keep-alive connections, and counts requests by method and
 * path shape (`POST /networks/{id}/connect`). The parent asks for the counts over IPC.
 *
 * Usage: node --import tsx bench/proxy-server.ts <listen.sock> <engine.sock>
 */
import { Agent, createServer, request } from 'node:http';
import { rmSync } from 'node:fs';

const [listenPath, upstreamPath] = process.argv.slice(2);
if (!listenPath || !upstreamPath) {
  console.error('usage: proxy-server.ts <listen.sock> <engine.sock>');
  process.exit(2);
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let counts: Record<string, number> = {};

/** `/v1.41/networks/nfb-x-n001/connect` -> `/networks/{id}/connect`. */
function pathShape(url: string): string {
  const path = (url.split('?')[0] ?? '').replace(/^\/v[0-9.]+/, '');
  const parts = path.split('/');
  const collections = new Set(['networks', 'containers', 'images', 'volumes', 'exec', 'plugins']);
  const verbs = new Set(['create', 'json', 'prune', 'load', 'search']);
  if (parts.length > 2 && collections.has(parts[1]!) && !verbs.has(parts[2]!)) parts[2] = '{id}';
  return parts.join('/');
}

const server = createServer((req, res) => {
  const key = `${req.method} ${pathShape(req.url ?? '/')}`;
  counts[key] = (counts[key] ?? 0) + 1;
  const upstream = request(
    { socketPath: upstreamPath, agent, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: `bench proxy: ${error.message}` }));
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 60_000;

process.on('message', (message: { type: string }) => {
  if (message.type === 'take') {
    process.send?.({ type: 'counts', counts });
    counts = {};
  }
});
// Ctrl-C reaches the whole process group: the parent decides when the proxy ends (by disconnecting).
process.on('SIGINT', () => undefined);
process.on('disconnect', () => {
  server.close();
  rmSync(listenPath, { force: true });
  process.exit(0);
});

rmSync(listenPath, { force: true });
server.listen(listenPath, () => process.send?.({ type: 'ready' }));
