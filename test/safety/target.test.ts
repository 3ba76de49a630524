import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost } from '../../lib/safety/index.ts';
import { assertAllowListValid, assertTargetAllowed, parseTargetUrl, splitAllowHosts } from '../../lib/safety/index.ts';
import { HerdUserError } from '../../lib/user-error.ts';

function errorCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof HerdUserError, `expected HerdUserError, got ${String(error)}`);
    return error.code;
  }
  return undefined;
}

test('loopback targets pass without an allow list', () => {
  for (const url of ['http://127.0.0.1:8080/', 'http://localhost:3000', 'https://[::1]:8443/x?y=1', 'http://127.0.0.1']) {
    assert.doesNotThrow(() => assertTargetAllowed(url), url);
  }
});

test('other hosts need an allow-list entry', () => {
  assert.equal(errorCode(() => assertTargetAllowed('https://api.example.com/')), 'TARGET_NOT_ALLOWED');
  assert.doesNotThrow(() => assertTargetAllowed('https://api.example.com/', { allowHosts: ['api.example.com'] }));
  assert.doesNotThrow(() => assertTargetAllowed('https://API.example.com:8443/', { allowHosts: ['api.EXAMPLE.com'] }));
  assert.doesNotThrow(() => assertTargetAllowed('http://10.0.0.7:80/', { allowHosts: ['10.0.0.7'] }));
  assert.doesNotThrow(() => assertTargetAllowed('http://[2001:db8::1]/', { allowHosts: ['2001:DB8:0::1'] }));
});

test('rejection message says how to allow the host', () => {
  assert.throws(
    () => assertTargetAllowed('https://api.example.com/x', { source: '--target' }),
    (error: unknown) => {
      assert.ok(error instanceof HerdUserError);
      assert.match(error.message, /^--target "https:\/\/api\.example\.com\/x"/);
      assert.match(error.message, /target\.allow/);
      assert.match(error.message, /HERD_ALLOW_HOSTS=api\.example\.com/);
      return true;
    },
  );
});

test('wildcard entries match subdomains only', () => {
  const allowHosts = ['*.staging.example.com'];

  assert.doesNotThrow(() => assertTargetAllowed('https://a.staging.example.com/', { allowHosts }));
  assert.doesNotThrow(() => assertTargetAllowed('https://a.b.staging.example.com/', { allowHosts }));
  assert.equal(errorCode(() => assertTargetAllowed('https://staging.example.com/', { allowHosts })), 'TARGET_NOT_ALLOWED');
  assert.equal(errorCode(() => assertTargetAllowed('https://evilstaging.example.com/', { allowHosts })), 'TARGET_NOT_ALLOWED');
  assert.equal(errorCode(() => assertTargetAllowed('https://staging.example.com.evil.net/', { allowHosts })), 'TARGET_NOT_ALLOWED');
});

test('look-alike hosts do not match loopback or entries', () => {
  const allowHosts = ['api.example.com'];
  const cases = ['http://127.0.0.1.evil.com/', 'http://localhost.evil.com/', 'http://api.example.com.evil.com/', 'http://localhost./'];
  for (const url of cases) {
    assert.equal(errorCode(() => assertTargetAllowed(url, { allowHosts })), 'TARGET_NOT_ALLOWED', url);
  }
});

test('user info and backslashes are rejected', () => {
  const cases = [
    'http://127.0.0.1@evil.com/',
    'http://evil.com#@127.0.0.1/',
    'http://user:pass@127.0.0.1/',
    'http://evil.com\\@127.0.0.1/',
    'http://127.0.0.1\\.evil.com/',
  ];
  for (const url of cases) {
    const code = errorCode(() => assertTargetAllowed(url));
    assert.ok(code === 'TARGET_INVALID' || code === 'TARGET_NOT_ALLOWED', `${url}: ${String(code)}`);
  }
});

test('ambiguous numeric hosts are invalid even when listed', () => {
  for (const url of ['http://2130706433/', 'http://0177.0.0.1/', 'http://127.1:8080/', 'http://0x7f.0.0.1/']) {
    assert.equal(errorCode(() => assertTargetAllowed(url, { allowHosts: ['127.0.0.1'] })), 'TARGET_INVALID', url);
  }
});

test('unspecified and link-local addresses are never allowed', () => {
  const cases: Array<[string, string[]]> = [
    ['http://0.0.0.0:8080/', ['0.0.0.0']],
    ['http://[::]:8080/', ['::']],
    ['http://169.254.169.254/latest/meta-data', ['169.254.169.254']],
    ['http://[fe80::1]/', ['fe80::1']],
    ['http://255.255.255.255/', ['255.255.255.255']],
    ['http://[::ffff:169.254.169.254]/', ['169.254.169.254']],
  ];
  for (const [url, allowHosts] of cases) {
    assert.equal(errorCode(() => assertTargetAllowed(url, { allowHosts })), 'TARGET_NOT_ALLOWED', url);
  }
});

test('malformed target URLs are invalid', () => {
  const cases = ['127.0.0.1:8080', '/events/1', 'ftp://127.0.0.1/', 'file:///etc/passwd', 'http://', 'http://127.0.0.1:99999/', 'http://127.0.0.1:0/', 'http://::1/', 'http://[::1/', ' http://127.0.0.1/', 'http://127.0.0.1/\n'];
  for (const url of cases) {
    assert.equal(errorCode(() => assertTargetAllowed(url)), 'TARGET_INVALID', JSON.stringify(url));
  }
});

test('parsed target has scheme host and port', () => {
  assert.deepEqual(parseTargetUrl('HTTPS://[::1]:8443/x'), { scheme: 'https', host: { kind: 'ipv6', canonical: '::1' }, port: 8443 });
  assert.deepEqual(parseTargetUrl('http://LOCALHOST/x'), { scheme: 'http', host: { kind: 'name', canonical: 'localhost' }, port: undefined });
});

test('approved URLs mean the same host to Node URL', () => {
  // Whatever the check approves as loopback must be loopback to the WHATWG parser that undici uses.
  const candidates = [
    'http://127.0.0.1:8080/',
    'http://localhost/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[0:0:0:0:0:0:0:1]:9/',
    'http://127.0.0.1.evil.com/',
    'http://0177.0.0.1/',
    'http://2130706433/',
    'http://127.0.0.%31/',
    'http://evil.com\\@127.0.0.1/',
    'http://127.0.0.1@evil.com/',
    'http://evil.com#@127.0.0.1/',
    'http://localhost./',
  ];
  for (const url of candidates) {
    let approved = true;
    try {
      assertTargetAllowed(url);
    } catch (error) {
      assert.ok(error instanceof HerdUserError);
      approved = false;
    }
    if (approved) {
      assert.equal(isLoopbackHost(new URL(url).hostname), true, url);
    }
  }
});

test('allow-list entries are validated', () => {
  const badEntries = ['https://api.example.com', 'api.example.com:443', '*api.example.com', 'a.*.example.com', '*.10.0.0.1', '0177.0.0.1', ''];
  for (const entry of badEntries) {
    assert.equal(errorCode(() => assertAllowListValid([entry], 'HERD_ALLOW_HOSTS')), 'ALLOW_LIST_INVALID', entry);
  }
  assert.doesNotThrow(() => assertAllowListValid(['api.example.com', '*.example.org', '10.0.0.1', '[2001:db8::1]'], 'target.allow'));
});

test('HERD_ALLOW_HOSTS splits on commas', () => {
  assert.deepEqual(splitAllowHosts(' a.example.com, ,b.example.com,'), ['a.example.com', 'b.example.com']);
  assert.deepEqual(splitAllowHosts(undefined), []);
  assert.deepEqual(splitAllowHosts(''), []);
});
