import dns from 'node:dns';
import { isIP, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import type { TargetPolicy } from '@vigil/endpoints';
import { CheckFailure } from './check-failure';

/** Resolves a host name to every address it has (the system resolver by default; tests pass a fixed table). */
export type HostLookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** What opening one connection cost, recorded by the connector and claimed by the first request it serves. */
export interface ConnectionInfo {
  /** The checked address the socket is connected to. */
  address: string;
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  /** The peer certificate's expiry (https only). */
  certificateValidTo: Date | null;
}

/** Connection facts by socket, so a request can tell a fresh connection (with its costs) from a reused one. */
export class ConnectionLedger {
  private readonly bySocket = new WeakMap<object, { info: ConnectionInfo; claimed: boolean }>();

  record(socket: object, info: ConnectionInfo): void {
    this.bySocket.set(socket, { info, claimed: false });
  }

  /** The socket's facts, and whether this is its first request (the one that paid for dns/connect/tls). */
  claim(socket: object): { info: ConnectionInfo | null; fresh: boolean } {
    const entry = this.bySocket.get(socket);
    if (!entry) return { info: null, fresh: false };
    const fresh = !entry.claimed;
    entry.claimed = true;
    return { info: entry.info, fresh };
  }
}

/** The system resolver, except that names under `.invalid` fail at once without asking DNS (RFC 6761 §6.4). */
export const systemLookup: HostLookup = async (hostname) => {
  const name = hostname.replace(/\.$/, '').toLowerCase();
  if (name === 'invalid' || name.endsWith('.invalid')) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
  }
  return dns.promises.lookup(hostname, { all: true, order: 'verbatim' });
};

export interface GuardedConnectorOptions {
  policy: TargetPolicy;
  lookup: HostLookup;
  ledger: ConnectionLedger;
  /** Longest wait for TCP connect plus TLS handshake. */
  connectTimeoutMs: number;
  /** Extra trusted CA certificates in PEM (tests trust their self-signed target with it). */
  ca?: string[];
}

/**
 * undici's connector with the SSRF guard in front: it resolves the host once, refuses the connection with
 * `blocked_target` when any of its addresses is blocked by the policy (literal IP hosts included), and then
 * connects to the very address it checked, so a second DNS answer cannot slip in between. It records the
 * dns/connect/tls durations of each new socket in the ledger.
 */
export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  // buildConnector's connector returns the socket it opens (documented; its type says void).
  const open = buildConnector({
    timeout: options.connectTimeoutMs,
    allowH2: false,
    // No TLS session resumption: each new connection sees, and times, the certificate a new visitor gets.
    maxCachedSessions: 0,
    ...(options.ca ? { ca: options.ca } : {}),
  }) as unknown as (connectOptions: buildConnector.Options, callback: buildConnector.Callback) => Socket;

  return (connectOptions, callback) => {
    resolveChecked(connectOptions.hostname, options).then(
      ({ address, dnsMs }) => {
        const connectStarted = performance.now();
        let tcpConnectedAt = 0;
        const socket = open({ ...connectOptions, hostname: address }, (err, opened) => {
          if (err || !opened) {
            callback(err ?? new Error('no socket'), null);
            return;
          }
          const readyAt = performance.now();
          const tcpAt = tcpConnectedAt || readyAt;
          const https = connectOptions.protocol === 'https:';
          options.ledger.record(opened, {
            address,
            dnsMs,
            connectMs: tcpAt - connectStarted,
            tlsMs: https ? readyAt - tcpAt : 0,
            certificateValidTo: https ? certificateExpiry(opened as TLSSocket) : null,
          });
          callback(null, opened);
        });
        socket.once('connect', () => (tcpConnectedAt = performance.now()));
      },
      (err: Error) => callback(err, null),
    );
  };
}

/** The address to connect to, once every address of the host passed the policy, and how long DNS took. */
async function resolveChecked(hostname: string, options: GuardedConnectorOptions): Promise<{ address: string; dnsMs: number }> {
  if (isIP(hostname)) {
    const problem = options.policy.addressProblem(hostname);
    if (problem) throw new CheckFailure('blocked_target', problem);
    return { address: hostname, dnsMs: 0 };
  }
  const started = performance.now();
  const records = await options.lookup(hostname);
  const dnsMs = performance.now() - started;
  if (records.length === 0) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
  for (const { address } of records) {
    const problem = options.policy.addressProblem(address);
    if (problem) throw new CheckFailure('blocked_target', `${hostname} resolves to a blocked address: ${problem}`);
  }
  return { address: records[0].address, dnsMs };
}

function certificateExpiry(socket: TLSSocket): Date | null {
  const validTo = socket.getPeerCertificate?.()?.valid_to;
  const date = validTo ? new Date(validTo) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}
