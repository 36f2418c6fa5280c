import { TargetPolicy } from './target-policy';

describe('TargetPolicy', () => {
  const strict = new TargetPolicy([]);

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.10.10', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'reserved or broadcast'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['::ffff:a00:1', 'private'],
  ])('refuses %s as %s', (ip, label) => {
    expect(strict.isAllowedAddress(ip)).toBe(false);
    expect(strict.addressProblem(ip)).toBe(`${ip} is a ${label} address (not in VIGIL_TARGET_ALLOWLIST)`);
  });

  it('judges the IPv4 address inside NAT64 and 6to4 addresses', () => {
    expect(strict.addressProblem('64:ff9b::a00:1')).toBe(
      '64:ff9b::a00:1 embeds a blocked address: 10.0.0.1 is a private address (not in VIGIL_TARGET_ALLOWLIST)',
    );
    expect(strict.addressProblem('2002:7f00:1::1')).toContain('embeds a blocked address: 127.0.0.1 is a loopback address');
    expect(strict.isAllowedAddress('64:ff9b::5db8:d822')).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (ip) => {
      expect(strict.isAllowedAddress(ip)).toBe(true);
    },
  );

  it('refuses anything that is not an IP address', () => {
    expect(strict.isAllowedAddress('example.com')).toBe(false);
    expect(strict.isAllowedAddress('')).toBe(false);
  });

  it('opens blocked ranges named by the allowlist, IPv4-mapped forms included', () => {
    const policy = new TargetPolicy(['127.0.0.0/8', '10.0.0.0/8', '::1/128']);
    expect(policy.isAllowedAddress('127.0.0.1')).toBe(true);
    expect(policy.isAllowedAddress('::ffff:127.0.0.1')).toBe(true);
    expect(policy.isAllowedAddress('::1')).toBe(true);
    expect(policy.isAllowedAddress('10.9.8.7')).toBe(true);
    expect(policy.isAllowedAddress('192.168.0.1')).toBe(false);
  });

  it('opens a cloud metadata address only when the allowlist names exactly that address', () => {
    expect(new TargetPolicy(['169.254.0.0/16']).isAllowedAddress('169.254.169.254')).toBe(false);
    expect(new TargetPolicy(['169.254.0.0/16']).isAllowedAddress('169.254.1.1')).toBe(true);
    expect(new TargetPolicy(['0.0.0.0/0']).isAllowedAddress('169.254.169.254')).toBe(false);
    expect(new TargetPolicy(['169.254.169.254/32']).isAllowedAddress('169.254.169.254')).toBe(true);
  });

  it('refuses a malformed allowlist entry', () => {
    expect(() => new TargetPolicy(['10.0.0.0/33'])).toThrow('not a CIDR');
    expect(() => new TargetPolicy(['example.com/8'])).toThrow('not a CIDR');
  });

  describe('literalHostProblem', () => {
    it.each([
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254 is a cloud metadata address'],
      ['http://127.0.0.1:8080/', '127.0.0.1 is a loopback address'],
      ['http://[::1]/', '::1 is a loopback address'],
      ['http://[::ffff:10.0.0.1]/', '::ffff:a00:1 is a private address'],
      ['http://2130706433/', '127.0.0.1 is a loopback address'],
      ['http://0x7f.1/', '127.0.0.1 is a loopback address'],
      ['http://localhost:3000/', 'localhost is a loopback name'],
      ['http://api.localhost/', 'api.localhost is a loopback name'],
      ['ftp://example.com/', 'scheme ftp: is not http or https'],
      ['file:///etc/passwd', 'scheme file: is not http or https'],
      ['not a url', 'not a valid URL'],
    ])('refuses %s', (url, problem) => {
      expect(strict.literalHostProblem(url)).toContain(problem);
    });

    it('accepts host names and public addresses (names are judged again at check time)', () => {
      expect(strict.literalHostProblem('https://api.example.com/health')).toBeNull();
      expect(strict.literalHostProblem('http://93.184.216.34/')).toBeNull();
      expect(strict.literalHostProblem('https://[2606:4700:4700::1111]/')).toBeNull();
    });

    it('accepts allowlisted literal addresses and localhost', () => {
      const policy = new TargetPolicy(['127.0.0.1/32']);
      expect(policy.literalHostProblem('http://127.0.0.1:9000/')).toBeNull();
      expect(policy.literalHostProblem('http://localhost:9000/')).toBeNull();
    });
  });
});
