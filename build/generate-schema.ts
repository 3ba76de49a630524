import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

/** A JSON Schema document or subschema, as plain JSON data. */
export type JsonSchema = { [key: string]: unknown };

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The file types that get a schema, and the file name each schema is published under in `schema/`. */
export const schemaFiles = [
  { typeName: 'EventFile', fileName: 'event-file.schema.json' },
  { typeName: 'BundleFile', fileName: 'bundle-file.schema.json' },
] as const;

/** The bundle step kinds: a step object has exactly one of these keys. */
const stepKinds = ['request', 'parallel', 'pause'] as const;

/**
 * Generates the JSON Schemas of event and bundle files from `lib/event/types.ts`, so the schema
 * that editors and `herd validate` use cannot drift from the types the library reads.
 */
export function generateSchemas(): Map<string, JsonSchema> {
  const generator = createGenerator({
    path: `${repoRoot}lib/event/types.ts`,
    tsconfig: `${repoRoot}tsconfig.json`,
    skipTypeCheck: true,
    jsDoc: 'extended',
    expose: 'export',
    topRef: true,
  });
  const schemas = new Map<string, JsonSchema>();
  for (const { typeName, fileName } of schemaFiles) {
    const schema = generator.createSchema(typeName) as JsonSchema;
    selectStepKindByKey(schema);
    schema.title = typeName === 'EventFile' ? 'k6-herd event file' : 'k6-herd bundle file';
    schemas.set(fileName, schema);
  }
  return schemas;
}

/**
 * Replaces the `anyOf` of the three step kinds with an `if`/`then` chain keyed on the step's one
 * key. With a plain `anyOf`, a mistake inside a request step is reported once per step kind,
 * which buries the one error that matters.
 */
function selectStepKindByKey(schema: JsonSchema): void {
  const definitions = schema.definitions as Record<string, JsonSchema> | undefined;
  const bundleStep = definitions?.BundleStep;
  if (bundleStep === undefined) {
    return;
  }
  const kindSchema = (kind: string): JsonSchema => ({
    $ref: `#/definitions/${kind[0].toUpperCase()}${kind.slice(1)}Step`,
  });
  let chain: JsonSchema = {
    type: 'object',
    description: `A step has exactly one of the keys ${stepKinds.join(', ')}.`,
    not: {},
  };
  for (const kind of [...stepKinds].reverse()) {
    chain = { if: { type: 'object', required: [kind] }, then: kindSchema(kind), else: chain };
  }
  delete bundleStep.anyOf;
  Object.assign(bundleStep, chain);
}

/** Writes every generated schema into `outDir` (default `schema/`) and returns the paths written. */
export function writeSchemas(outDir = `${repoRoot}schema`): string[] {
  const written: string[] = [];
  for (const [fileName, schema] of generateSchemas()) {
    const path = `${outDir}/${fileName}`;
    writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
    written.push(path);
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const path of writeSchemas()) {
    console.log(`wrote ${path}`);
  }
}
