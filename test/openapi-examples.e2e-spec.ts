import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { TestApp, useTestApp } from './support/app';

/**
 * Every example the OpenAPI document (/docs-json) shows is true to its own declaration: for every
 * operation, status and media type, each example validates against that response's schema, and
 * an error example (4xx, 5xx) whose schema has a `statusCode` carries the status it documents.
 *
 * "The example" is what Swagger UI shows: the media type's `example`, each of its `examples`, or,
 * when it has neither, the body Swagger UI synthesises from the schema (`sampleFromSchema`: a
 * schema's own `example` first, else each property's, else a placeholder by type). A 422 whose
 * schema is ErrorResponseDto and that declares no example therefore shows `"statusCode": 400` (the
 * DTO's property example), which is what this test exists to catch.
 */

type Schema = Record<string, any>;
interface Document {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, Schema> }> }>>;
  components: { schemas: Record<string, Schema> };
}

/** What Swagger UI's sampleFromSchema would show for `schema` (the subset of it this API uses). */
export function sampleFromSchema(document: Document, schema: Schema, depth = 0): unknown {
  if (depth > 20) return null;
  if (schema.$ref) return sampleFromSchema(document, resolve(document, schema.$ref), depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part: Schema) => sampleFromSchema(document, part, depth + 1)));
  if (schema.oneOf ?? schema.anyOf) return sampleFromSchema(document, (schema.oneOf ?? schema.anyOf)[0], depth + 1);
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  if (type === 'object' || (type === undefined && schema.properties)) {
    const sample: Record<string, unknown> = {};
    for (const [name, property] of Object.entries<Schema>(schema.properties ?? {})) sample[name] = sampleFromSchema(document, property, depth + 1);
    return sample;
  }
  if (type === 'array') return [sampleFromSchema(document, schema.items ?? {}, depth + 1)];
  if (type === 'integer' || type === 'number') return 0;
  if (type === 'boolean') return true;
  if (type === 'string') return schema.format === 'date-time' ? '2026-11-29T17:40:00.000Z' : 'string';
  return {};
}

function resolve(document: Document, ref: string): Schema {
  const name = ref.replace('#/components/schemas/', '');
  const schema = document.components.schemas[name];
  if (!schema) throw new Error(`Unresolved $ref ${ref}`);
  return schema;
}

/** Every (operation, status, media type, example) of the document, as Swagger UI would show them. */
export function examplesOf(document: Document): { where: string; status: number; schema: Schema; example: unknown }[] {
  const found: { where: string; status: number; schema: Schema; example: unknown }[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        for (const [mediaType, content] of Object.entries(response.content ?? {})) {
          const where = `${method.toUpperCase()} ${path} ${status} ${mediaType}`;
          const schema: Schema = content.schema ?? {};
          const declared = [
            ...(content.example !== undefined ? [['example', content.example]] : []),
            ...Object.entries<{ value: unknown }>(content.examples ?? {}).map(([name, e]) => [`examples.${name}`, e.value]),
          ] as [string, unknown][];
          if (declared.length === 0) declared.push(['synthesised', sampleFromSchema(document, schema)]);
          for (const [kind, example] of declared) found.push({ where: `${where} (${kind})`, status: Number(status), schema, example });
        }
      }
    }
  }
  return found;
}

describe('the examples of the OpenAPI document (/docs-json)', () => {
  let api: TestApp;
  let document: Document;
  const booted = useTestApp('sqlite', { truncate: false });
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);

  beforeAll(async () => {
    api = booted();
    document = (await request(api.url).get('/docs-json').expect(200)).body;
    ajv.addSchema(document, 'openapi');
  });

  /** `schema` as ajv sees it: its $refs point into the document registered as `openapi`. */
  function validatorFor(schema: Schema) {
    return ajv.compile(JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/')));
  }

  it('covers every operation of the document that declares a body', () => {
    // Arrange
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // Act
    const examples = examplesOf(document);
    // Assert: an example for every operation but the two that declare no body schema (contract.json as
    // it is), and every error status of /predict among them.
    const covered = new Set(examples.map((e) => e.where.split(' ').slice(0, 2).join(' ')));
    expect(operations.length).toBeGreaterThan(15);
    expect(operations.filter((operation) => !covered.has(operation))).toEqual(['GET /model', 'GET /version']);
    expect(examples.filter((e) => e.where.startsWith('POST /predict ')).map((e) => e.status)).toEqual(
      expect.arrayContaining([200, 400, 401, 413, 422, 503]),
    );
  });

  it('has each example validate against the schema of its own response', () => {
    // Act
    const invalid = examplesOf(document).flatMap(({ where, schema, example }) => {
      const validate = validatorFor(schema);
      return validate(example) ? [] : [`${where}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(example).slice(0, 200)}`];
    });
    // Assert
    expect(invalid).toEqual([]);
  });

  it('has each error example carry its own status code', () => {
    // Act
    const wrong = examplesOf(document)
      .filter(({ status, example }) => status >= 400 && typeof example === 'object' && example !== null && 'statusCode' in example)
      .filter(({ status, example }) => (example as { statusCode: unknown }).statusCode !== status)
      .map(({ where, example }) => `${where}: statusCode ${(example as { statusCode: unknown }).statusCode}`);
    // Assert
    expect(wrong).toEqual([]);
  });

  it("says, in /predict's 401 examples, which key is missing: a prediction key, not an admin key", () => {
    // Act
    const details = examplesOf(document)
      .filter(({ where, status }) => status === 401 && /^POST \/predict(\/batch|\/csv)? /.test(where))
      .map(({ example }) => (example as { detail: string }).detail);
    // Assert
    expect(details).toHaveLength(3);
    for (const detail of details) expect(detail).toMatch(/prediction API key/);
    for (const detail of details) expect(detail).not.toMatch(/admin/i);
  });
});
