import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';

export interface TargetServerOptions {
  /** Serve HTTPS with a self-signed certificate made at start (needs the `openssl` command: see tlsAvailable()). */
  tls?: boolean;
  /** Days the generated certificate is valid for (default 30). */
  certDays?: number;
}

/** A self-signed certificate for CN=localhost, SAN localhost and 127.0.0.1. */
export interface TestCertificate {
  certPem: string;
  keyPem: string;
  validTo: Date;
}

/**
 * A real HTTP(S) peer on 127.0.0.1 with routes that misbehave on purpose, for checker, scheduler and e2e tests:
 *
 * - `/status/:code`            answers that status (a 3xx carries no Location)
 * - `/flaky/:n`                503 for the first n requests to that path, then 200
 * - `/delay/:ms`               answers 200 after ms
 * - `/hang`                    reads the request and never answers
 * - `/reset`                   destroys the socket before answering (`?rst=1`: TCP RST instead of FIN)
 * - `/big/:bytes`              a body of that many bytes (`?chunked=1`: no Content-Length)
 * - `/redirect/:n`             a chain of n redirects ending at /status/200
 * - `/redirect-to?url=&status=` one redirect (default 302) to any URL, e.g. a blocked address
 * - `/json`                    `json` (settable), or `?body=<raw text>` served as application/json
 * - `/headers`                 echoes the request headers as JSON; every other query parameter becomes a response header
 *
 * Every request is counted per path (hits()); connections() counts accepted TCP connections (keep-alive reuse).
 */
export class TargetServer {
  /** The body of `/json` (any JSON value). */
  json: unknown = { status: 'UP', items: [1, 2, 3] };

  private server: http.Server | https.Server | null = null;
  private readonly hitCounts = new Map<string, number>();
  private connectionCount = 0;
  private boundPort = 0;
  private cert: TestCertificate | null = null;

  constructor(private readonly options: TargetServerOptions = {}) {}

  /** Whether an HTTPS target can be made here (the `openssl` command exists). */
  static tlsAvailable(): boolean {
    return spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
  }

  get port(): number {
    return this.boundPort;
  }

  get origin(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.boundPort}`;
  }

  /** The generated certificate (HTTPS only), e.g. to trust it as a CA in a test. */
  get certificate(): TestCertificate {
    if (!this.cert) throw new Error('not an HTTPS target server, or not started');
    return this.cert;
  }

  url(path: string): string {
    return `${this.origin}${path}`;
  }

  /** Requests seen for a path (without query), or for every path when omitted. */
  hits(path?: string): number {
    if (path !== undefined) return this.hitCounts.get(path) ?? 0;
    let total = 0;
    for (const n of this.hitCounts.values()) total += n;
    return total;
  }

  /** TCP connections accepted since start (or the last resetCounters()). */
  connections(): number {
    return this.connectionCount;
  }

  resetCounters(): void {
    this.hitCounts.clear();
    this.connectionCount = 0;
  }

  async start(port = 0): Promise<number> {
    if (this.server) throw new Error('the target server is already listening');
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.route(req, res);
    if (this.options.tls) {
      this.cert = generateCertificate(this.options.certDays ?? 30);
      this.server = https.createServer({ key: this.cert.keyPem, cert: this.cert.certPem }, handler);
      this.server.on('secureConnection', () => this.connectionCount++);
    } else {
      this.server = http.createServer(handler);
      this.server.on('connection', () => this.connectionCount++);
    }
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as net.AddressInfo).port;
    return this.boundPort;
  }

  /** Stops listening and cuts every connection, hanging ones included. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://target');
    const path = url.pathname;
    this.hitCounts.set(path, (this.hitCounts.get(path) ?? 0) + 1);
    const segments = path.split('/').filter(Boolean);
    const arg = segments[1];
    // Drain the request body so keep-alive stays usable.
    req.resume();

    switch (segments[0]) {
      case 'status':
        return send(res, Number(arg) || 200, `status ${arg}`);
      case 'flaky': {
        const failing = (this.hitCounts.get(path) ?? 0) <= (Number(arg) || 0);
        return send(res, failing ? 503 : 200, failing ? 'not yet' : 'ok');
      }
      case 'delay': {
        const timer = setTimeout(() => send(res, 200, `delayed ${arg} ms`), Number(arg) || 0);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case 'hang':
        return;
      case 'reset':
        if (url.searchParams.get('rst') === '1') req.socket.resetAndDestroy();
        else req.socket.destroy();
        return;
      case 'big':
        return sendBig(res, Number(arg) || 0, url.searchParams.get('chunked') === '1');
      case 'redirect': {
        const n = Number(arg) || 0;
        const location = n <= 1 ? '/status/200' : `/redirect/${n - 1}`;
        return send(res, 302, '', { location });
      }
      case 'redirect-to':
        return send(res, Number(url.searchParams.get('status')) || 302, '', { location: url.searchParams.get('url') ?? '/' });
      case 'json': {
        const raw = url.searchParams.get('body');
        return send(res, 200, raw ?? JSON.stringify(this.json), { 'content-type': 'application/json' });
      }
      case 'headers': {
        const extra: Record<string, string> = {};
        for (const [name, value] of url.searchParams) extra[name] = value;
        return send(res, 200, JSON.stringify(req.headers), { ...extra, 'content-type': 'application/json' });
      }
      default:
        return send(res, 404, 'no such route');
    }
  }
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never says a word: an HTTPS client to it waits
 * forever in the TLS handshake, the nearest thing to a connect timeout that loopback can produce.
 */
export class SilentServer {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private boundPort = 0;

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<number> {
    const server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    return this.boundPort;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A port on 127.0.0.1 that nothing listens on (connecting is refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  if (status === 204 || status === 304) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendBig(res: http.ServerResponse, bytes: number, chunked: boolean): void {
  res.writeHead(200, chunked ? { 'content-type': 'text/plain' } : { 'content-type': 'text/plain', 'content-length': bytes });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let left = bytes;
  const write = (): void => {
    while (left > 0 && !res.destroyed) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      if (!res.write(part)) {
        res.once('drain', write);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  write();
}

/** A fresh key and self-signed certificate from the `openssl` command (nothing is downloaded). */
function generateCertificate(days: number): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-target-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        String(days),
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const certPem = readFileSync(certPath, 'utf8');
    return { certPem, keyPem: readFileSync(keyPath, 'utf8'), validTo: new Date(new X509Certificate(certPem).validTo) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
