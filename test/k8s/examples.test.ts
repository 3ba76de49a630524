import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { formatSchemaErrors, loadTestRunSchema } from './testrun-schema.ts';

const EXAMPLES_DIRECTORY = 'deploy/k8s';

test('example manifests pass the CRD schema', () => {
  const schema = loadTestRunSchema();
  const files = readdirSync(EXAMPLES_DIRECTORY).filter((name) => name.endsWith('.yaml'));
  assert.ok(files.length > 0, `no YAML files in ${EXAMPLES_DIRECTORY}`);

  for (const file of files) {
    const documents = parseAllDocuments(readFileSync(join(EXAMPLES_DIRECTORY, file), 'utf8')).map((document) => document.toJS() as Record<string, unknown>);
    const testRuns = documents.filter((document) => document.kind === schema.kind);

    assert.ok(testRuns.length > 0, `${file}: no TestRun`);
    for (const testRun of testRuns) {
      assert.equal(testRun.apiVersion, schema.apiVersion, file);
      assert.equal(schema.validate(testRun), true, `${file}:\n${formatSchemaErrors(schema.validate.errors)}`);
    }
  }
});
