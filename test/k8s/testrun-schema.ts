// Validation of generated manifests against the k6 operator's TestRun CustomResourceDefinition,
// read from the copy beside the repository (`../shared/k6-operator/k6.io_testruns.yaml`, k6 operator
// v1.6.0). Ajv runs in strict mode, so every Kubernetes extension in the schema needs a keyword here.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';

/** The CRD file, relative to this test file: `shared/` sits beside the repository. */
export const TESTRUN_CRD_PATH = fileURLToPath(new URL('../../../shared/k6-operator/k6.io_testruns.yaml', import.meta.url));

/** What a manifest must match: the CRD's group/version, kind, and a validator for its `openAPIV3Schema`. */
export interface TestRunSchema {
  apiVersion: string;
  kind: string;
  validate: ValidateFunction;
}

interface CustomResourceDefinition {
  spec: {
    group: string;
    names: { kind: string };
    versions: Array<{ name: string; served: boolean; schema: { openAPIV3Schema: AnySchemaObject } }>;
  };
}

/**
 * Loads the CRD and compiles its schema. With `rejectUnknownFields` (the default) every object
 * that lists its properties also gets `additionalProperties: false`. The API server would prune
 * an unknown field such as a misspelt `paralelism`, and `kubectl apply` with strict field
 * validation rejects it, so a generated manifest must not contain any.
 */
export function loadTestRunSchema(options: { rejectUnknownFields?: boolean } = {}): TestRunSchema {
  const crd = parseYaml(readFileSync(TESTRUN_CRD_PATH, 'utf8')) as CustomResourceDefinition;
  const version = crd.spec.versions.find((candidate) => candidate.served);
  if (version === undefined) {
    throw new Error(`${TESTRUN_CRD_PATH}: no served version`);
  }

  const schema = structuredClone(version.schema.openAPIV3Schema);
  if (options.rejectUnknownFields !== false) {
    closeObjectSchemas(schema);
  }
  const ajv = createKubernetesAjv();
  return { apiVersion: `${crd.spec.group}/${version.name}`, kind: crd.spec.names.kind, validate: ajv.compile(schema) };
}

/** Formats Ajv errors one per line, with the path inside the manifest. */
export function formatSchemaErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`).join('\n');
}

function createKubernetesAjv(): Ajv {
  // strictTypes is off because the CRD pairs `anyOf: [integer, string]` with a string `pattern` on
  // int-or-string fields, and Kubernetes applies that pattern to strings only. The rest of strict mode stays on.
  // The schema embeds three full pod specs; skipping code optimisation roughly halves its compile time.
  const ajv = new Ajv({ strict: true, strictTypes: false, allErrors: true, code: { optimize: false } });

  ajv.addFormat('int32', { type: 'number', validate: (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isSafeInteger(value) });
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/);

  // An int-or-string field accepts an integer or a string, nothing else (the CRD adds anyOf too).
  ajv.addKeyword({
    keyword: 'x-kubernetes-int-or-string',
    schemaType: 'boolean',
    validate: (enabled: boolean, data: unknown) => !enabled || typeof data === 'string' || Number.isInteger(data),
  });
  // list-type `set` needs unique items and `map` unique values of the list-map-keys, as the API server checks.
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    schemaType: 'string',
    validate: (listType: string, data: unknown, parentSchema?: AnySchemaObject) => isValidKubernetesList(listType, data, parentSchema),
  });
  // These only steer server-side apply merging (and pruning), so they constrain no value.
  ajv.addKeyword({ keyword: 'x-kubernetes-list-map-keys', schemaType: 'array' });
  ajv.addKeyword({ keyword: 'x-kubernetes-map-type', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-kubernetes-preserve-unknown-fields', schemaType: 'boolean' });
  return ajv;
}

function isValidKubernetesList(listType: string, data: unknown, parentSchema: AnySchemaObject | undefined): boolean {
  if (!Array.isArray(data) || listType === 'atomic') {
    return true;
  }
  const mapKeys: string[] = listType === 'map' ? ((parentSchema?.['x-kubernetes-list-map-keys'] as string[] | undefined) ?? []) : [];
  const identities = data.map((item: unknown) => {
    if (listType === 'set') {
      return JSON.stringify(item);
    }
    const record = (item ?? {}) as Record<string, unknown>;
    return JSON.stringify(mapKeys.map((key) => record[key]));
  });
  return new Set(identities).size === identities.length;
}

function closeObjectSchemas(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(closeObjectSchemas);
    return;
  }
  if (node === null || typeof node !== 'object') {
    return;
  }
  const schema = node as Record<string, unknown>;
  const hasListedProperties = schema.properties !== undefined && typeof schema.properties === 'object';
  if (hasListedProperties && schema.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
    schema.additionalProperties = false;
  }
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') {
      Object.values(value as Record<string, unknown>).forEach(closeObjectSchemas);
    } else if (key !== 'enum' && key !== 'default' && key !== 'required') {
      closeObjectSchemas(value);
    }
  }
}
