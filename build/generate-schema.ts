import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

/** A JSON Schema document or subschema, as plain JSON data. */
export type JsonSchema = { [key: string]: unknown };

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The file types that get a schema, and the file name each schema is published under in `schema/`. */
export const schemaFiles = [
  { typeName: 'EventFile', fileName: 'event-file.schema.json' },
  { typeName: 'BundleSourceFile', fileName: 'bundle-file.schema.json' },
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
    selectUnionMemberByKey(schema, 'BundleStep', stepKinds.map((kind) => ({ key: kind, definition: `${capitalize(kind)}Step` })), {
      description: `A step has exactly one of the keys ${stepKinds.join(', ')}.`,
    });
    selectUnionMemberByKey(schema, 'BundleSourceFile', [{ key: 'extends', definition: 'BundleExtensionFile' }], { definition: 'BundleFile' });
    requireDiscriminatorInConditions(schema);
    schema.title = typeName === 'EventFile' ? 'k6-herd event file' : 'k6-herd bundle file';
    schemas.set(fileName, schema);
  }
  return schemas;
}

/**
 * Replaces the `anyOf` of a union definition with an `if`/`then` chain keyed on which key an
 * object has. With a plain `anyOf`, one mistake inside a request step is reported once per union
 * member, which buries the one error that matters. An object with none of the keys is checked
 * against `fallback`: a definition, or a description of the rule it breaks.
 */
function selectUnionMemberByKey(
  schema: JsonSchema,
  unionName: string,
  members: ReadonlyArray<{ key: string; definition: string }>,
  fallback: { definition: string } | { description: string },
): void {
  const definitions = schema.definitions as Record<string, JsonSchema> | undefined;
  const union = definitions?.[unionName];
  if (union === undefined) {
    return;
  }
  let chain: JsonSchema = 'definition' in fallback ? { $ref: `#/definitions/${fallback.definition}` } : { description: fallback.description, not: {} };
  for (const member of [...members].reverse()) {
    chain = { if: { type: 'object', required: [member.key] }, then: { $ref: `#/definitions/${member.definition}` }, else: chain };
  }
  delete union.anyOf;
  Object.assign(union, chain);
}

/**
 * Adds the discriminator to the `required` list of each `if` that the generator writes for a
 * `@discriminator` union. Without it an object that lacks the key (`kind: lognormal` written for
 * `model: lognormal`) matches every `if`, and every member's errors are reported at once.
 */
function requireDiscriminatorInConditions(schema: JsonSchema): void {
  const definitions = schema.definitions as Record<string, JsonSchema> | undefined;
  for (const definition of Object.values(definitions ?? {})) {
    const conditions = Array.isArray(definition.allOf) ? (definition.allOf as JsonSchema[]) : [];
    for (const condition of conditions) {
      const test = condition.if as JsonSchema | undefined;
      const properties = test?.properties as Record<string, JsonSchema> | undefined;
      if (test === undefined || properties === undefined || test.required !== undefined) continue;
      const keys = Object.keys(properties).filter((key) => properties[key]?.const !== undefined);
      if (keys.length > 0) test.required = keys;
    }
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
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
