import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopbackHost, parseHost } from '../../lib/safety/index.ts';

test('loopback hosts are recognised', () => {
  const loopbackHosts = ['127.0.0.1', '127.255.0.9', 'localhost', 'LocalHost', '::1', '[::1]', '[0:0:0:0:0:0:0:1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]'];
  for (const host of loopbackHosts) {
    assert.equal(isLoopbackHost(host), true, host);
  }
});

test('look-alike hosts are not loopback', () => {
  const lookAlikes = [
    '127.0.0.1.evil.com',
    'localhost.evil.com',
    'localhost.',
    'evil-localhost',
    '0.0.0.0',
    '::',
    '[::]',
    '[::ffff:10.0.0.1]',
    '::127.0.0.1',
    '128.0.0.1',
    '',
  ];
  for (const host of lookAlikes) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});

test('ambiguous numeric IPv4 forms are rejected', () => {
  for (const host of ['2130706433', '0177.0.0.1', '0x7f.0.0.1', '0x7f000001', '127.1', '127.0.1', '127.0.0.01', '127.0.0.1.']) {
    const parsed = parseHost(host);
    assert.equal(parsed.ok, false, host);
    assert.equal(isLoopbackHost(host), false, host);
  }
});

test('ambiguous forms name their WHATWG reading', () => {
  const parsed = parseHost('0177.0.0.1');

  assert.equal(parsed.ok, false);
  assert.match(parsed.ok ? '' : parsed.reason, /read it as 127\.0\.0\.1/);
  assert.match(parsed.ok ? '' : parsed.reason, /four decimal numbers/);
});

test('encoded and non-ASCII hosts are rejected', () => {
  for (const host of ['127.0.0.%31', '%6c%6f%63%61%6c%68%6f%73%74', '１２７.０.０.１', 'ex ample.com', 'fe80::1%25eth0', '[::1%lo]']) {
    assert.equal(parseHost(host).ok, false, host);
  }
});

test('host names are lowercased and checked', () => {
  assert.deepEqual(parseHost('API.Example.COM'), { ok: true, host: { kind: 'name', canonical: 'api.example.com' } });
  assert.equal(parseHost('a..b').ok, false);
  assert.equal(parseHost('-a.example.com').ok, false);
  assert.equal(parseHost(`${'a'.repeat(64)}.com`).ok, false);
});

test('IPv6 addresses are compressed per RFC 5952', () => {
  const cases: Array<[string, string]> = [
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['[2001:db8::0001]', '2001:db8::1'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
  ];
  for (const [input, canonical] of cases) {
    assert.deepEqual(parseHost(input), { ok: true, host: { kind: 'ipv6', canonical } }, input);
  }
  for (const invalid of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::1', '::1.2.3', 'g::1']) {
    assert.equal(parseHost(invalid).ok, false, invalid);
  }
});

test('IPv4-mapped IPv6 becomes its IPv4 address', () => {
  assert.deepEqual(parseHost('[::ffff:10.1.2.3]'), { ok: true, host: { kind: 'ipv4', canonical: '10.1.2.3' } });
  assert.deepEqual(parseHost('::FFFF:0a01:0203'), { ok: true, host: { kind: 'ipv4', canonical: '10.1.2.3' } });
});
