import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDACTED, isSensitiveHeaderName, redactHeaderValue, redactHeaders, redactSecrets, redactText, redactUrl } from '../../lib/safety/index.ts';

test('credential headers are recognised', () => {
  for (const name of ['Authorization', 'proxy-authorization', 'Cookie', 'Set-Cookie', 'X-Api-Key', 'X-Amz-Security-Token', 'X-Session-Id', 'X-Refresh-Token']) {
    assert.equal(isSensitiveHeaderName(name), true, name);
  }
  for (const name of ['Content-Type', 'Accept', 'User-Agent', 'X-Request-Id']) {
    assert.equal(isSensitiveHeaderName(name), false, name);
  }
});

test('authorization keeps its scheme only', () => {
  assert.equal(redactHeaderValue('Authorization', 'Bearer eyJhbGciOi.abc.def'), `Bearer ${REDACTED}`);
  assert.equal(redactHeaderValue('authorization', 'Basic dXNlcjpwYXNz'), `Basic ${REDACTED}`);
  assert.equal(redactHeaderValue('Authorization', 'opaque-token-without-scheme'), REDACTED);
});

test('cookies keep names and attributes', () => {
  assert.equal(redactHeaderValue('Cookie', 'sid=abc123; theme=dark'), `sid=${REDACTED}; theme=${REDACTED}`);
  assert.equal(redactHeaderValue('Set-Cookie', 'sid=abc123; Path=/; HttpOnly'), `sid=${REDACTED}; Path=/; HttpOnly`);
});

test('redactHeaders copies and redacts arrays', () => {
  const headers = { 'Content-Type': 'application/json', Authorization: 'Bearer secret-value-1', 'Set-Cookie': ['a=1; Path=/', 'b=2'] };

  const redacted = redactHeaders(headers);

  assert.deepEqual(redacted, { 'Content-Type': 'application/json', Authorization: `Bearer ${REDACTED}`, 'Set-Cookie': [`a=${REDACTED}; Path=/`, `b=${REDACTED}`] });
  assert.equal(headers.Authorization, 'Bearer secret-value-1');
});

test('URL credentials are redacted', () => {
  assert.equal(redactUrl('http://127.0.0.1/x?access_token=abc&page=2'), `http://127.0.0.1/x?access_token=${REDACTED}&page=2`);
  assert.equal(redactUrl('https://u:p@example.com/a?API_KEY=k#id_token=t'), `https://${REDACTED}@example.com/a?API_KEY=${REDACTED}#id_token=${REDACTED}`);
  assert.equal(redactUrl('http://h/s3?X-Amz-Signature=ff&X-Amz-Credential=c&sig=1'), `http://h/s3?X-Amz-Signature=${REDACTED}&X-Amz-Credential=${REDACTED}&sig=${REDACTED}`);
  assert.equal(redactUrl('http://127.0.0.1/events/42?lang=en'), 'http://127.0.0.1/events/42?lang=en');
});

test('listed secrets are redacted in every encoding', () => {
  const secret = 'p@ss w/"quote"';
  const text = ['raw p@ss w/"quote"', `url ${encodeURIComponent(secret)}`, `json ${JSON.stringify({ secret })}`].join('\n');

  const redacted = redactSecrets(text, [secret, '']);

  assert.equal(redacted.includes('p@ss'), false);
  assert.equal(redacted.includes('p%40ss'), false);
  assert.equal(redacted.split(REDACTED).length - 1, 3);
});

test('longer secrets are redacted whole', () => {
  assert.equal(redactSecrets('token abcdef', ['abc', 'abcdef']), `token ${REDACTED}`);
});

test('free text loses recognisable credentials', () => {
  const log = [
    'GET http://127.0.0.1:8080/api/feed?token=t0k3n&page=1',
    'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig',
    'cookie: sid=s3ss10n',
    'sent header bearer abcdefgh12345678',
    '{"accessToken":"acc-123","expiresInSeconds":300,"refreshToken": "ref-456","Authorization":"Bearer x"}',
  ].join('\n');

  const redacted = redactText(log, ['extra-secret']);

  for (const secret of ['t0k3n', 'eyJhbGciOiJIUzI1NiJ9', 's3ss10n', 'abcdefgh12345678', 'acc-123', 'ref-456', 'Bearer x"']) {
    assert.equal(redacted.includes(secret), false, secret);
  }
  assert.match(redacted, /page=1/);
  assert.match(redacted, /"expiresInSeconds":300/);
  assert.match(redacted, /Authorization: Bearer \[REDACTED\]/);
});

test('CSV columns after a URL survive', () => {
  const line = 'http_reqs,1700000000,1,GET,http://127.0.0.1:8080/feed?token=abc&page=2,200,feed';

  assert.equal(redactText(line), `http_reqs,1700000000,1,GET,http://127.0.0.1:8080/feed?token=${REDACTED}&page=2,200,feed`);
});

test('prose about tokens stays readable', () => {
  assert.equal(redactText('refreshing the bearer token failed'), 'refreshing the bearer token failed');
});
