import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTokenAuthority } from '../../target/tokens.ts';

const key = Buffer.alloc(32, 7);
const issuedAtMs = Date.UTC(2026, 0, 1);

test('issued token verifies until expiry', () => {
  const authority = createTokenAuthority(60, key);
  const issued = authority.issue('refresh-abc', issuedAtMs);
  assert.equal(issued.expiresInSeconds, 60);

  const header = `Bearer ${issued.accessToken}`;
  const early = authority.verifyAuthorization(header, issuedAtMs + 59_999);
  assert.equal(early.valid, true);
  assert.deepEqual(authority.verifyAuthorization(header, issuedAtMs + 60_000), { valid: false, reason: 'expired' });
});

test('token subject hides the refresh token', () => {
  const authority = createTokenAuthority(60, key);
  const issued = authority.issue('refresh-secret-value', issuedAtMs);
  const check = authority.verifyAuthorization(`Bearer ${issued.accessToken}`, issuedAtMs);
  assert.ok(check.valid);
  assert.match(check.subject, /^user-[0-9a-f]{16}$/);
  const payload = Buffer.from(issued.accessToken.split('.')[1], 'base64url').toString('utf8');
  assert.doesNotMatch(payload, /refresh-secret-value/);
});

test('same refresh token gives same subject', () => {
  const authority = createTokenAuthority(60, key);
  const subjectOf = (refreshToken: string): string => {
    const check = authority.verifyAuthorization(`Bearer ${authority.issue(refreshToken, issuedAtMs).accessToken}`, issuedAtMs);
    assert.ok(check.valid);
    return check.subject;
  };
  assert.equal(subjectOf('a'), subjectOf('a'));
  assert.notEqual(subjectOf('a'), subjectOf('b'));
});

test('token from another key is rejected', () => {
  const issued = createTokenAuthority(60, Buffer.alloc(32, 1)).issue('refresh-abc', issuedAtMs);
  const check = createTokenAuthority(60, key).verifyAuthorization(`Bearer ${issued.accessToken}`, issuedAtMs);
  assert.deepEqual(check, { valid: false, reason: 'bad-signature' });
});

test('tampered claims are rejected', () => {
  const authority = createTokenAuthority(60, key);
  const [header, , signature] = authority.issue('refresh-abc', issuedAtMs).accessToken.split('.');
  const forgedClaims = Buffer.from(JSON.stringify({ sub: 'user-admin', iat: 0, exp: 9e12 })).toString('base64url');
  const check = authority.verifyAuthorization(`Bearer ${header}.${forgedClaims}.${signature}`, issuedAtMs);
  assert.deepEqual(check, { valid: false, reason: 'bad-signature' });
});

test('authorization header shapes are checked', () => {
  const authority = createTokenAuthority(60, key);
  const token = authority.issue('refresh-abc', issuedAtMs).accessToken;
  const cases: [string | undefined, string][] = [
    [undefined, 'missing'],
    ['', 'missing'],
    ['Basic dXNlcjpwYXNz', 'missing'],
    ['Bearer', 'missing'],
    ['Bearer not-a-token', 'malformed'],
    ['Bearer a.b.c', 'malformed'],
    [`Bearer ${token}x`, 'bad-signature'],
  ];
  for (const [header, reason] of cases) {
    assert.deepEqual(authority.verifyAuthorization(header, issuedAtMs), { valid: false, reason }, String(header));
  }
  assert.equal(authority.verifyAuthorization(`bearer  ${token}`, issuedAtMs).valid, true);
});
