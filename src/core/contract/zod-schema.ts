import { z } from 'zod';

/**
 * JSON Schema of a zod declaration: what a client sends (`input`: before defaults and
 * transforms) or what it receives (`output`). Transforms have no JSON Schema; they are
 * described as their input on requests, and left open elsewhere.
 */
export function jsonSchemaOf(
  schema: z.ZodType,
  io: 'input' | 'output',
  target: 'openapi-3.0' | 'draft-07',
): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target, io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
