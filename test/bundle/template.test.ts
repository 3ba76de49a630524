import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listPlaceholders, MissingVariableError, readCapture, renderDeep, renderTemplate } from '../../lib/bundle/template.ts';

test('template fills every placeholder', () => {
  assert.equal(renderTemplate('/events/{{eventId}}/users/{{ userId }}', { eventId: 'e1', userId: 'u7' }), '/events/e1/users/u7');
});

test('template without placeholders is unchanged', () => {
  assert.equal(renderTemplate('/api/feed?page=1', {}), '/api/feed?page=1');
});

test('template rejects a missing variable', () => {
  assert.throws(() => renderTemplate('/x/{{token}}', { eventId: 'e1' }), (error: unknown) => {
    assert.ok(error instanceof MissingVariableError);
    assert.equal(error.variableName, 'token');
    return true;
  });
});

test('template values are not templated again', () => {
  assert.equal(renderTemplate('{{a}}', { a: '{{b}}', b: 'no' }), '{{b}}');
});

test('placeholders are listed in order', () => {
  assert.deepEqual(listPlaceholders('{{a}}-{{b}}-{{a}}'), ['a', 'b', 'a']);
  assert.deepEqual(listPlaceholders('{{a}}-{{b}}-{{a}}'), ['a', 'b', 'a'], 'a second call starts from the beginning again');
});

test('body templating keeps the JSON shape', () => {
  const body = { eventId: '{{eventId}}', tags: ['{{platform}}', 3], nested: { flag: true, none: null } };
  assert.deepEqual(renderDeep(body, { eventId: 'e1', platform: 'web' }), { eventId: 'e1', tags: ['web', 3], nested: { flag: true, none: null } });
});

test('json capture walks keys and indexes', () => {
  const response = { bodyText: '{"data":{"items":[{"id":41},{"id":42}]},"ok":true}', headers: {} };
  assert.equal(readCapture('json:data.items.1.id', response), '42');
  assert.equal(readCapture('json:ok', response), 'true');
  assert.equal(readCapture('json:data.missing', response), undefined);
  assert.equal(readCapture('json:data', response), undefined, 'objects are not captured as text');
});

test('json capture of a non-JSON body is undefined', () => {
  assert.equal(readCapture('json:accessToken', { bodyText: '<html>503</html>', headers: {} }), undefined);
  assert.equal(readCapture('json:accessToken', { bodyText: null, headers: {} }), undefined);
});

test('header capture ignores case', () => {
  const response = { bodyText: '', headers: { 'X-Request-Id': 'r-9' } };
  assert.equal(readCapture('header:x-request-id', response), 'r-9');
  assert.equal(readCapture('header:X-Other', response), undefined);
});
