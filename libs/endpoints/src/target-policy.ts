import { BlockList, isIP } from 'node:net';

type Family = 'ipv4' | 'ipv6';
type Range = [network: string, prefix: number, family: Family];

/**
 * Address ranges a check may not reach unless allowlisted, each with the label used in messages.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match the IPv4 rules: net.BlockList compares them so.
 */
const BLOCKED: Array<{ label: string; ranges: Range[] }> = [
  {
    label: 'cloud metadata',
    ranges: [
      ['169.254.169.254', 32, 'ipv4'],
      ['fd00:ec2::254', 128, 'ipv6'],
      ['100.100.100.200', 32, 'ipv4'],
    ],
  },
  {
    label: 'loopback',
    ranges: [
      ['127.0.0.0', 8, 'ipv4'],
      ['::1', 128, 'ipv6'],
    ],
  },
  {
    label: 'unspecified',
    ranges: [
      ['0.0.0.0', 8, 'ipv4'],
      ['::', 128, 'ipv6'],
    ],
  },
  {
    label: 'private',
    ranges: [
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
    ],
  },
  {
    label: 'link-local',
    ranges: [
      ['169.254.0.0', 16, 'ipv4'],
      ['fe80::', 10, 'ipv6'],
    ],
  },
  { label: 'carrier-grade NAT', ranges: [['100.64.0.0', 10, 'ipv4']] },
  {
    label: 'multicast',
    ranges: [
      ['224.0.0.0', 4, 'ipv4'],
      ['ff00::', 8, 'ipv6'],
    ],
  },
  { label: 'reserved or broadcast', ranges: [['240.0.0.0', 4, 'ipv4']] },
  {
    label: 'unique-local',
    ranges: [
      ['fc00::', 7, 'ipv6'],
      ['fec0::', 10, 'ipv6'],
    ],
  },
  {
    label: 'special-purpose',
    ranges: [
      ['192.0.0.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['::', 96, 'ipv6'],
      ['64:ff9b:1::', 48, 'ipv6'],
      ['100::', 64, 'ipv6'],
    ],
  },
  {
    label: 'documentation',
    ranges: [
      ['192.0.2.0', 24, 'ipv4'],
      ['198.51.100.0', 24, 'ipv4'],
      ['203.0.113.0', 24, 'ipv4'],
      ['2001:db8::', 32, 'ipv6'],
    ],
  },
];

/** IPv6 prefixes that carry an IPv4 address inside (NAT64, 6to4): the embedded address is judged too. */
const NAT64 = blockList([['64:ff9b::', 96, 'ipv6']]);
const SIX_TO_FOUR = blockList([['2002::', 16, 'ipv6']]);

const CATEGORIES = BLOCKED.map(({ label, ranges }) => ({ label, list: blockList(ranges) }));
const METADATA = CATEGORIES[0].list;

/**
 * The SSRF rule for check targets: which addresses a check may connect to. Loopback, private, link-local,
 * CGNAT, multicast, unspecified, reserved, unique-local and cloud metadata addresses are refused unless a
 * CIDR of the allowlist (VIGIL_TARGET_ALLOWLIST) holds them. A cloud metadata address is opened only by an
 * entry naming that single address (/32 or /128), never by a wider range such as 169.254.0.0/16.
 */
export class TargetPolicy {
  private readonly allowed = new BlockList();
  private readonly allowedExactly = new BlockList();

  /** @param allowlist CIDRs such as `127.0.0.0/8` or `::1/128` (config.checks.targetAllowlist). */
  constructor(allowlist: readonly string[] = []) {
    for (const cidr of allowlist) {
      const [network, prefixText] = cidr.trim().split('/');
      const family = isIP(network);
      const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
      if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
        throw new Error(`"${cidr}" is not a CIDR such as 127.0.0.0/8 or ::1/128`);
      }
      const type: Family = family === 6 ? 'ipv6' : 'ipv4';
      this.allowed.addSubnet(network, prefix, type);
      if (prefix === (family === 6 ? 128 : 32)) this.allowedExactly.addAddress(network, type);
    }
  }

  /** Whether a check may connect to this IP address (false for anything that is not an IP address). */
  isAllowedAddress(ip: string): boolean {
    return this.addressProblem(ip) === null;
  }

  /** Why a check may not connect to this address (`"10.0.0.1 is a private address"`), or null when it may. */
  addressProblem(ip: string): string | null {
    const address = unbracket(ip);
    const family = familyOf(address);
    if (!family) return `${ip} is not an IP address`;
    if (METADATA.check(address, family)) {
      return this.allowedExactly.check(address, family) ? null : refusal(address, 'cloud metadata');
    }
    if (this.allowed.check(address, family)) return null;
    const label = CATEGORIES.find(({ list }) => list.check(address, family))?.label;
    if (label) return refusal(address, label);
    const embedded = family === 'ipv6' ? embeddedIpv4(address) : null;
    if (embedded) {
      const problem = this.addressProblem(embedded);
      if (problem) return `${address} embeds a blocked address: ${problem}`;
    }
    return null;
  }

  /**
   * Why a URL may not be monitored judging by its text alone: not http(s), or a host that is a literal
   * blocked address (`http://169.254.169.254/`, `http://[::1]/`, `http://localhost/`). Null when the URL
   * passes; a host name is judged again, by its resolved addresses, at every check.
   */
  literalHostProblem(url: string): string | null {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'not a valid URL';
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `scheme ${parsed.protocol} is not http or https`;
    const host = unbracket(parsed.hostname);
    if (isIP(host)) return this.addressProblem(host);
    const name = host.replace(/\.$/, '').toLowerCase();
    // RFC 6761: localhost names always resolve to loopback.
    if (name === 'localhost' || name.endsWith('.localhost')) return this.addressProblem('127.0.0.1') && `${host} is a loopback name${hint}`;
    return null;
  }
}

const hint = ' (not in VIGIL_TARGET_ALLOWLIST)';

function refusal(address: string, label: string): string {
  return `${address} is a ${label} address${hint}`;
}

function blockList(ranges: Range[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix, family] of ranges) list.addSubnet(network, prefix, family);
  return list;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function familyOf(address: string): Family | null {
  const family = isIP(address);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : null;
}

/** The IPv4 address inside a NAT64 (64:ff9b::/96, last 32 bits) or 6to4 (2002::/16, bits 16-47) address. */
function embeddedIpv4(address: string): string | null {
  const at = NAT64.check(address, 'ipv6') ? 6 : SIX_TO_FOUR.check(address, 'ipv6') ? 1 : -1;
  if (at < 0) return null;
  const groups = ipv6Groups(address);
  const [high, low] = [groups[at], groups[at + 1]];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit groups of an IPv6 address, from the URL parser's canonical form. */
function ipv6Groups(address: string): number[] {
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const [head, tail] = canonical.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  if (tail === undefined) return left;
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
