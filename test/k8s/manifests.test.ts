import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseK8sFlags } from '../../cli/k8s/flags.ts';
import { generateK8sManifests } from '../../cli/k8s/generate.ts';
import type { K8sGeneration } from '../../cli/k8s/generate.ts';
import { formatSchemaErrors, loadTestRunSchema } from './testrun-schema.ts';

const EVENT_PATH = 'scenarios/live-event.yaml';
const EXAMPLES_DIRECTORY = 'deploy/k8s';
const CLUSTER_TARGET = 'http://backend.staging.svc.cluster.local:8080';
const ENVIRONMENT = { HERD_ALLOW_HOSTS: 'backend.staging.svc.cluster.local' };
const schema = loadTestRunSchema();

function writeTempFile(name: string, content: string | Buffer): string {
  const directory = mkdtempSync(join(tmpdir(), 'herd-k8s-'));
  const path = join(directory, name);
  writeFileSync(path, content);
  return path;
}

function generate(extraArgs: string[], scriptContent: string | Buffer = 'export default async function () {}\n'): K8sGeneration {
  const scriptPath = writeTempFile('live-event.js', scriptContent);
  const args = [EVENT_PATH, '--target', CLUSTER_TARGET, '--script', scriptPath, '--i-mean-it', '--out-dir', join(tmpdir(), 'herd-k8s-unused'), ...extraArgs];
  return generateK8sManifests(parseK8sFlags(args), ENVIRONMENT);
}

function readDocuments(yaml: string): Array<Record<string, unknown>> {
  return parseAllDocuments(yaml).map((document) => {
    assert.equal(document.errors.length, 0, String(document.errors));
    return document.toJS() as Record<string, unknown>;
  });
}

function findTestRun(documents: Array<Record<string, unknown>>): Record<string, unknown> {
  const testRun = documents.find((document) => document.kind === schema.kind);
  assert.ok(testRun, 'no TestRun in the output');
  return testRun;
}

const FLAG_COMBINATIONS: Array<[string, string[]]> = [
  ['defaults', []],
  ['fixed parallelism', ['--parallelism', '3']],
  ['namespace and name', ['--namespace', 'load-tests', '--name', 'evening-herd']],
  ['cleanup and outputs', ['--cleanup', 'post', '--out', 'experimental-prometheus-rw', '--out', 'json=/tmp/out.json']],
  ['runner size and image', ['--runner-cpu', '500m', '--runner-memory', '1536Mi', '--runner-image', 'grafana/k6:0.49.0']],
  ['env and secrets', ['--env', 'REGION=eu-west', '--env', 'EMPTY=', '--env-from-secret', 'herd-credentials']],
  ['small scale', ['--scale', '0.01']],
];

test('generated TestRuns pass the CRD schema', () => {
  for (const [label, args] of FLAG_COMBINATIONS) {
    const testRun = findTestRun(readDocuments(generate(args).yaml));

    assert.equal(testRun.apiVersion, schema.apiVersion, label);
    assert.equal(schema.validate(testRun), true, `${label}:\n${formatSchemaErrors(schema.validate.errors)}`);
  }
});

test('schema check rejects broken TestRuns', () => {
  const valid = findTestRun(readDocuments(generate([]).yaml));
  const breakages: Array<[string, (spec: Record<string, any>) => void]> = [
    ['parallelism as a string', (spec) => { spec.parallelism = '3'; }],
    ['misspelt field', (spec) => { spec.paralelism = 3; }],
    ['unknown cleanup mode', (spec) => { spec.cleanup = 'always'; }],
    ['env entry without name', (spec) => { spec.runner.env.push({ value: 'x' }); }],
    ['cpu that is not a quantity', (spec) => { spec.runner.resources.limits.cpu = 'two'; }],
    ['script without configMap name', (spec) => { delete spec.script.configMap.name; }],
    ['missing parallelism', (spec) => { delete spec.parallelism; }],
  ];
  for (const [label, breakSpec] of breakages) {
    const broken = structuredClone(valid) as { spec: Record<string, any> };
    breakSpec(broken.spec);

    assert.equal(schema.validate(broken), false, label);
  }
});

test('TestRun carries the requested settings', () => {
  const generation = generate(['--parallelism', '4', '--cleanup', 'post', '--out', 'experimental-prometheus-rw', '--env', 'REGION=eu', '--env-from-secret', 'herd-credentials', '--scale', '0.5']);
  const spec = findTestRun(readDocuments(generation.yaml)).spec as Record<string, any>;

  assert.equal(spec.parallelism, 4);
  assert.equal(spec.separate, true);
  assert.equal(spec.cleanup, 'post');
  assert.equal(spec.arguments, '--tag testid=herd-live-event --out experimental-prometheus-rw');
  assert.deepEqual(spec.script, { configMap: { name: 'herd-live-event-script', file: 'live-event.js' } });
  assert.deepEqual(spec.runner.resources.limits, { cpu: '2', memory: '4Gi' });
  assert.deepEqual(spec.runner.resources.requests, spec.runner.resources.limits);
  assert.deepEqual(spec.runner.env, [
    { name: 'HERD_TARGET', value: CLUSTER_TARGET },
    { name: 'HERD_SCALE', value: '0.5' },
    { name: 'HERD_MAX_ITERATION_SECONDS', value: '30' },
    { name: 'HERD_ALLOW_HOSTS', value: 'backend.staging.svc.cluster.local' },
    { name: 'REGION', value: 'eu' },
  ]);
  assert.deepEqual(spec.runner.envFrom, [{ secretRef: { name: 'herd-credentials' } }]);
});

test('ConfigMap holds the script byte for byte', () => {
  const awkwardScripts = [
    'export default async function () {}\n',
    'no final newline',
    'line with trailing spaces   \n\ttabbed\r\nCRLF line\r\n',
    '---\n# not a comment\nkey: value\n...\n',
    '  leading indentation\n\n\n\nblank lines\n',
    'unicode: é ✓ 日本 🐑 and a BOM follows \ufeff\n',
    'control \u0001 \u007f chars and "quotes" and \\ backslashes\n',
  ];
  for (const script of awkwardScripts) {
    const documents = readDocuments(generate([], script).yaml);
    const configMap = documents.find((document) => document.kind === 'ConfigMap') as { data: Record<string, string> };

    assert.equal(configMap.data['live-event.js'], script, JSON.stringify(script));
    assert.deepEqual(Buffer.from(configMap.data['live-event.js'], 'utf8'), Buffer.from(script, 'utf8'));
  }
});

test('ConfigMap matches what the TestRun mounts', () => {
  const dataPath = writeTempFile('users.csv', 'id\n1\n2\n');
  const binaryPath = writeTempFile('payload.bin', Buffer.from([0xff, 0xfe, 0x00, 0x80]));
  const documents = readDocuments(generate(['--data', dataPath, '--data', binaryPath]).yaml);
  const configMap = documents[0] as { kind: string; metadata: { name: string }; data: Record<string, string>; binaryData: Record<string, string> };
  const spec = findTestRun(documents).spec as { script: { configMap: { name: string; file: string } } };

  assert.equal(configMap.kind, 'ConfigMap', 'the ConfigMap comes first so that kubectl creates it before the TestRun');
  assert.equal(configMap.metadata.name, spec.script.configMap.name);
  assert.ok(spec.script.configMap.file in configMap.data);
  assert.equal(configMap.data['users.csv'], 'id\n1\n2\n');
  assert.deepEqual(Buffer.from(configMap.binaryData['payload.bin'], 'base64'), Buffer.from([0xff, 0xfe, 0x00, 0x80]));
});

test('oversized script is rejected', () => {
  const script = `// ${'x'.repeat(1024 * 1024)}\n`;

  assert.throws(() => generate([], script), { code: 'K8S_SCRIPT_TOO_LARGE' });
});

test('example manifests pass the CRD schema', () => {
  const files = readdirSync(EXAMPLES_DIRECTORY).filter((name) => name.endsWith('.yaml'));
  assert.ok(files.length > 0, `no YAML files in ${EXAMPLES_DIRECTORY}`);

  for (const file of files) {
    const testRuns = readDocuments(readFileSync(join(EXAMPLES_DIRECTORY, file), 'utf8')).filter((document) => document.kind === schema.kind);

    assert.ok(testRuns.length > 0, `${file}: no TestRun`);
    for (const testRun of testRuns) {
      assert.equal(testRun.apiVersion, schema.apiVersion, file);
      assert.equal(schema.validate(testRun), true, `${file}:\n${formatSchemaErrors(schema.validate.errors)}`);
    }
  }
});
