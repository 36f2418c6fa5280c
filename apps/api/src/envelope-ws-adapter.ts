import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WsAdapter } from '@nestjs/platform-ws';
import { AppError, ErrorCode, requestIdFrom, routeNotFound, writeErrorAnswer } from '@vigil/common';
import type { WebSocket, WebSocketServer } from 'ws';

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
type GatewayServer = WebSocketServer & { path: string };

/**
 * Nest's WsAdapter, with an upgrade to a path no gateway serves answered 404 RES_NOT_FOUND in the error
 * envelope, as an unknown HTTP route is (WsAdapter destroys the socket without a word). Upgrades on a
 * gateway's path are handed to its WebSocketServer as WsAdapter does.
 */
export class EnvelopeWsAdapter extends WsAdapter {
  /** Our 'upgrade' listener per port, taken off again on dispose (WsAdapter only removes the ones it added). */
  private readonly upgradeListeners = new Map<number, { server: Server; listener: UpgradeListener }>();

  protected override ensureHttpServerExists(port: number, httpServer: Server = createServer()): Server | undefined {
    if (this.httpServersRegistry.has(port)) return undefined;
    this.httpServersRegistry.set(port, httpServer);
    const listener: UpgradeListener = (req, socket, head) => this.routeUpgrade(port, req, socket, head);
    httpServer.on('upgrade', listener);
    this.upgradeListeners.set(port, { server: httpServer, listener });
    return httpServer;
  }

  override async dispose(): Promise<void> {
    for (const { server, listener } of this.upgradeListeners.values()) server.off('upgrade', listener);
    this.upgradeListeners.clear();
    await super.dispose();
  }

  private routeUpgrade(port: number, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const path = pathOf(req.url);
    if (path === null) {
      return writeErrorAnswer(socket, new AppError(ErrorCode.VAL_MALFORMED_REQUEST, 'Malformed WebSocket handshake: the target is not a URL'), requestId);
    }
    const gateway = (this.wsServersRegistry.get(port) as GatewayServer[] | undefined)?.find((server) => server.path === path);
    if (!gateway) {
      // The path only, as /ws/live's own refusals: a browser's key may be in ?api_key=.
      const error = routeNotFound(req.method ?? 'GET', path);
      this.logger.warn({ request_id: requestId, code: error.code, msg: `refused a WebSocket upgrade to ${path}: no gateway serves it` });
      return writeErrorAnswer(socket, error, requestId);
    }
    try {
      gateway.handleUpgrade(req, socket, head, (ws: WebSocket) => gateway.emit('connection', ws, req));
    } catch (err) {
      // Inside the HTTP server's event: a throw here would end the process.
      this.logger.error({ err, request_id: requestId, msg: `could not complete a WebSocket upgrade to ${path}` });
      socket.destroy();
    }
  }
}

/** The path of a request target, as WsAdapter matches it against gateway paths; null when it is not a URL. */
function pathOf(target = '/'): string | null {
  try {
    return new URL(target, 'ws://localhost').pathname;
  } catch {
    return null;
  }
}
