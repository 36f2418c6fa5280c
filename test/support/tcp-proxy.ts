import net from 'node:net';

/**
 * A TCP proxy on loopback in front of a real server (PostgreSQL, Redis), so a test can cut a dependency
 * off and bring it back: stop() closes the port and destroys every live connection (as if the server
 * died), resume() listens again on the same port (the app reconnects to the same URL).
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private boundPort = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** A proxy to the host:port of a URL such as redis://127.0.0.1:6379 or postgres://u@127.0.0.1:5432/db. */
  static forUrl(url: string, defaultPort: number): TcpProxy {
    const u = new URL(url);
    return new TcpProxy(u.hostname, Number(u.port || defaultPort));
  }

  /** A started proxy in front of the server of `url`, and `url` rewritten to go through it. */
  static async startFor(url: string, defaultPort: number): Promise<{ proxy: TcpProxy; url: string }> {
    const proxy = TcpProxy.forUrl(url, defaultPort);
    await proxy.start();
    return { proxy, url: proxy.rewrite(url) };
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** The same URL with host:port pointing at the proxy (start() first). */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Listens on 127.0.0.1:port (a free port when omitted) and returns the port. */
  async start(port = 0): Promise<number> {
    if (this.server) throw new Error('the proxy is already listening');
    const server = net.createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    return this.boundPort;
  }

  /** Stops listening and cuts every open connection: the peer is gone until resume(). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  /** Listens again on the port it had, so clients configured with the proxy's URL reconnect. */
  async resume(): Promise<void> {
    if (!this.boundPort) throw new Error('the proxy was never started');
    await this.start(this.boundPort);
  }

  private pipe(client: net.Socket): void {
    const upstream = net.connect({ host: this.targetHost, port: this.targetPort });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => this.sockets.delete(s));
    }
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', cut);
    upstream.on('close', cut);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
