import http from 'node:http';
import { TARGET_BODY, type TargetControl, type TargetMessage } from './support/checks-protocol';

/**
 * The checked target of `npm run bench:checks`, forked into its own process so it never shares the CPU
 * of what is measured: a plain node:http server on 127.0.0.1 that answers every path with 200 and a small
 * JSON body, keeping connections alive. It counts the requests it served.
 */
let requests = 0;
const body = Buffer.from(TARGET_BODY);

const server = http.createServer((req, res) => {
  requests++;
  // Drain any request body so the connection stays usable, then answer at once.
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
// Longer than any client keeps an idle connection: the client, not the server, decides when to close.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;

function send(message: TargetMessage): void {
  process.send?.(message);
}

server.listen(0, '127.0.0.1', () => {
  send({ type: 'ready', port: (server.address() as { port: number }).port });
});

process.on('message', (msg: TargetControl) => {
  if (msg.type === 'stats') send({ type: 'stats', requests });
  if (msg.type === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
