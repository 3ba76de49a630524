import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostAllowed } from '../../engine/http/allowed-hosts.ts';
import { errorCodeForStatus, failureFromError } from '../../engine/http/error-codes.ts';
import { CookieJar } from '../../engine/http/cookie-jar.ts';
import { canonicalHeaderName } from '../../engine/http/client.ts';

test('loopback hosts are allowed', () => {
  for (const host of ['127.0.0.1', '127.3.4.5', '[::1]', '::1', 'localhost', 'LOCALHOST']) assert.equal(isHostAllowed(host, ''), true, host);
});

test('other hosts need the allow list', () => {
  assert.equal(isHostAllowed('10.0.0.1', ''), false);
  assert.equal(isHostAllowed('169.254.169.254', ''), false);
  assert.equal(isHostAllowed('staging.example.com', ''), false);
  assert.equal(isHostAllowed('staging.example.com', 'other.example.com, staging.example.com'), true);
  assert.equal(isHostAllowed('evil.staging.example.com', 'staging.example.com'), false);
});

test('error codes follow k6 numbering', () => {
  assert.equal(errorCodeForStatus(503), 1503);
  assert.equal(errorCodeForStatus(404), 1404);
  assert.equal(errorCodeForStatus(302), 0);
  assert.equal(failureFromError({ code: 'ECONNREFUSED' }, '127.0.0.1:1').code, 1212);
  assert.equal(failureFromError({ code: 'ECONNRESET' }, '127.0.0.1:1').code, 1220);
  assert.equal(failureFromError({ code: 'UND_ERR_CONNECT_TIMEOUT' }, '127.0.0.1:1').code, 1211);
  assert.equal(failureFromError(new Error('odd'), '127.0.0.1:1').code, 1000);
});

test('cookie jar matches host and path', () => {
  const jar = new CookieJar();
  jar.store(new URL('http://127.0.0.1/app/login'), 'session=abc; Path=/app; HttpOnly');
  jar.store(new URL('http://127.0.0.1/'), 'theme=dark');
  jar.store(new URL('http://127.0.0.1/'), 'gone=1; Max-Age=0');

  assert.deepEqual(jar.cookiesFor(new URL('http://127.0.0.1/app/page')).map((cookie) => cookie.name), ['session', 'theme']);
  assert.deepEqual(jar.cookiesFor(new URL('http://127.0.0.1/other')).map((cookie) => cookie.name), ['theme']);
  assert.deepEqual(jar.cookiesFor(new URL('http://localhost/app/page')), []);
});

test('header names take Go canonical form', () => {
  assert.equal(canonicalHeaderName('content-type'), 'Content-Type');
  assert.equal(canonicalHeaderName('X-REQUEST-ID'), 'X-Request-Id');
});
