import { describe, expect, it } from 'vitest';
import {
  authenticated,
  createPolicy,
  hostAllowed,
  originAllowed,
  parseCookies,
  tokensEqual,
} from '../../src/runner/security.ts';

const policy = createPolicy('s3cret-token', '127.0.0.1', 4321);

describe('runner security policy', () => {
  it('allows the bound host and its loopback aliases only', () => {
    for (const host of ['127.0.0.1:4321', 'localhost:4321', '[::1]:4321', 'LOCALHOST:4321']) {
      expect(hostAllowed(policy, { host })).toBe(true);
    }
    for (const host of ['evil.example:4321', '127.0.0.1:4322', 'localhost', '127.0.0.1.nip.io:4321', undefined]) {
      expect(hostAllowed(policy, host === undefined ? {} : { host })).toBe(false);
    }
  });

  it('accepts only the served origins', () => {
    expect(originAllowed(policy, { origin: 'http://127.0.0.1:4321' })).toBe(true);
    expect(originAllowed(policy, { origin: 'http://localhost:4321' })).toBe(true);
    expect(originAllowed(policy, { origin: 'http://evil.example' })).toBe(false);
    expect(originAllowed(policy, { origin: 'null' })).toBe(false);
    expect(originAllowed(policy, {})).toBe(false);
  });

  it('authenticates by bearer header or cookie, never by a wrong or partial token', () => {
    expect(authenticated(policy, { authorization: 'Bearer s3cret-token' })).toBe(true);
    const cookie = `a=b; dojo_session_4321=${policy.cookie.secret}`;
    expect(authenticated(policy, { cookie })).toBe(true);
    expect(authenticated(policy, { cookie, 'sec-fetch-site': 'same-origin' })).toBe(true);
    // A page on another port of 127.0.0.1 is "same-site": the browser says so, and it is refused.
    expect(authenticated(policy, { cookie, 'sec-fetch-site': 'same-site' })).toBe(false);
    expect(authenticated(policy, { cookie: 'dojo_session_4321=s3cret-token' })).toBe(false);
    expect(authenticated(policy, { cookie: `dojo_session_4322=${policy.cookie.secret}` })).toBe(false);
    expect(authenticated(policy, { authorization: 'Bearer s3cret' })).toBe(false);
    expect(authenticated(policy, { cookie: 'dojo_token=s3cret-token' })).toBe(false);
    expect(authenticated(policy, {})).toBe(false);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
  });

  it('parses cookies with odd spacing and encodings', () => {
    expect(parseCookies(' a=1 ;b=%20x; bad; =nope').get('b')).toBe(' x');
  });

  it('binds a non-loopback host without loopback aliases', () => {
    const remote = createPolicy('t', '192.0.2.10', 8080);
    expect(hostAllowed(remote, { host: '192.0.2.10:8080' })).toBe(true);
    expect(hostAllowed(remote, { host: 'localhost:8080' })).toBe(false);
  });
});
