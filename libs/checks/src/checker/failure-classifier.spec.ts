import { errors } from 'undici';
import { CheckFailure } from './check-failure';
import { classifyFailure } from './failure-classifier';

const target = { host: 'api.example.com', port: 443 };
const withCode = (code: string, message = `boom ${code}`) => Object.assign(new Error(message), { code });

describe('classifyFailure', () => {
  it('keeps the reason of a failure the checker decided on', () => {
    expect(classifyFailure(new CheckFailure('blocked_target', '10.0.0.1 is a private address'), target, 'connect')).toEqual({
      reason: 'blocked_target',
      message: '10.0.0.1 is a private address',
    });
  });

  it.each([
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['ECONNREFUSED', 'connect_refused'],
    ['EHOSTUNREACH', 'connect_refused'],
    ['ETIMEDOUT', 'connect_timeout'],
    ['ECONNRESET', 'reset'],
    ['EPIPE', 'reset'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['CERT_HAS_EXPIRED', 'tls'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls'],
    ['EPROTO', 'tls'],
    ['HPE_INVALID_CONSTANT', 'reset'],
  ])('classifies %s during connect as %s', (code, reason) => {
    expect(classifyFailure(withCode(code), target, 'connect').reason).toBe(reason);
  });

  it("classifies undici's connect timeout as connect_timeout", () => {
    expect(classifyFailure(new errors.ConnectTimeoutError(), target, 'connect')).toEqual({
      reason: 'connect_timeout',
      message: 'no connection to api.example.com:443 in time',
    });
  });

  it('classifies a socket closed mid-response as reset', () => {
    expect(classifyFailure(new errors.SocketError('other side closed'), target, 'response')).toEqual({
      reason: 'reset',
      message: 'api.example.com:443 closed the connection before the response was complete',
    });
    expect(classifyFailure(new Error('socket hang up'), target, 'response').reason).toBe('reset');
  });

  it("classifies undici's header and body timeouts, and ETIMEDOUT after connecting, as timeout", () => {
    expect(classifyFailure(new errors.HeadersTimeoutError(), target, 'response').reason).toBe('timeout');
    expect(classifyFailure(new errors.BodyTimeoutError(), target, 'response').reason).toBe('timeout');
    expect(classifyFailure(withCode('ETIMEDOUT'), target, 'response').reason).toBe('timeout');
  });

  it('says what is wrong with a certificate in a few words', () => {
    const err = withCode(
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'self-signed certificate; if the root CA is installed locally, try running Node.js with --use-system-ca',
    );
    expect(classifyFailure(err, target, 'connect').message).toBe('TLS: self-signed certificate');
    expect(classifyFailure(withCode('CERT_HAS_EXPIRED'), target, 'connect').message).toBe('TLS: certificate has expired');
    expect(classifyFailure(withCode('ERR_SSL_WRONG_VERSION_NUMBER', 'Error: wrong version number; more'), target, 'connect').message).toBe(
      'TLS: wrong version number',
    );
  });

  it('names the host for dns and refused connections', () => {
    expect(classifyFailure(withCode('ENOTFOUND'), target, 'connect').message).toBe('could not resolve api.example.com (ENOTFOUND)');
    expect(classifyFailure(withCode('ECONNREFUSED'), target, 'connect').message).toBe('connection refused by api.example.com:443');
  });

  it('falls back to reset with a one-line message for anything else', () => {
    const err = new Error('something odd\n    at stack (frame.js:1:1)');
    expect(classifyFailure(err, target, 'response')).toEqual({ reason: 'reset', message: 'request to api.example.com:443 failed: something odd' });
    expect(classifyFailure('a string', target, 'response').message).toBe('request to api.example.com:443 failed: a string');
  });
});
