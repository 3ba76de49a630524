import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseDurationMs } from '../../cli/gate/duration.ts';
import { maskUrlPassword, readUrlPassword, redactSecrets } from '../../cli/gate/mask-url.ts';

test('password in the user part is masked', () => {
  assert.equal(maskUrlPassword('postgres://app:s3cret@db.internal:5432/app'), 'postgres://app:***@db.internal:5432/app');
});

test('password in the query is masked', () => {
  const masked = maskUrlPassword('postgres://db.internal/app?user=app&password=s3cret');
  assert.ok(!masked.includes('s3cret'), masked);
  assert.match(masked, /password=\*\*\*/);
});

test('URL without a password is unchanged', () => {
  assert.equal(maskUrlPassword('http://127.0.0.1:9090/'), 'http://127.0.0.1:9090/');
});

test('text that is not a URL is masked', () => {
  const masked = maskUrlPassword('postgres://app:p@ss word@host/db');
  assert.ok(!masked.includes('ss word'), masked);
});

test('encoded password is read decoded', () => {
  assert.equal(readUrlPassword('postgres://app:p%40ss@host/db'), 'p@ss');
});

test('secrets are removed from driver messages', () => {
  assert.equal(redactSecrets('failed for p@ss and p%40ss', ['p@ss', 'p%40ss', '']), 'failed for *** and ***');
});

test('durations with units', () => {
  assert.equal(parseDurationMs('10m', '--wait'), 600_000);
  assert.equal(parseDurationMs('1h30m', '--wait'), 5_400_000);
  assert.equal(parseDurationMs('1.5s', '--wait'), 1500);
  assert.equal(parseDurationMs('0s', '--wait'), 0);
  assert.throws(() => parseDurationMs('10', '--wait'), /--wait "10" is not a duration/);
  assert.throws(() => parseDurationMs('10 minutes', '--wait'), /not a duration/);
});
