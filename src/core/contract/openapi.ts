import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';
import { jsonSchemaOf } from './zod-schema';

/** The error body of every 4xx/5xx HTTP answer (the HTTP error filter writes it). */
const errorBody = z.object({
  statusCode: z.number().int(),
  error: z.string().describe('A code: bad_request, unauthorized, forbidden, not_found, conflict, quota_exceeded, rate_limited…'),
  message: z.string(),
  details: z.unknown().optional().describe('e.g. the failing fields, or the limit that was hit'),
});

/** Named zod schemas that OpenAPI components are generated from: name → schema and direction. */
const components = new Map<string, { schema: z.ZodType; io: 'input' | 'output' }>([
  ['ErrorBody', { schema: errorBody, io: 'output' }],
]);

function component(name: string, schema: z.ZodType, io: 'input' | 'output'): { $ref: string } {
  const known = components.get(name);
  if (known && known.schema !== schema) throw new Error(`OpenAPI component ${name} is declared twice with different schemas`);
  components.set(name, { schema, io });
  return { $ref: `#/components/schemas/${name}` };
}

export interface ApiContractOptions<R extends z.ZodType> {
  summary: string;
  /** Who may call it, for the description: e.g. ['service', 'admin']; default any authenticated user. */
  roles?: string[];
  /** A rule beyond roles (membership, authorship), for the description. */
  access?: string;
  body?: [name: string, schema: z.ZodType];
  query?: z.ZodObject;
  params?: Record<string, z.ZodType>;
  response: [name: string, schema: R];
  /** The success status (default 200); `repeatStatus` is what an idempotent repeat answers (200). */
  status?: 200 | 201;
  repeatStatus?: 200;
  /** 4xx statuses besides 400, 401, 403 and 429 (e.g. 404, 409, 413). */
  errors?: number[];
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (details name the fields)',
  401: 'Missing, bad or expired token',
  403: 'Not allowed for this caller',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  429: 'Rate or quota limit (details hold the limit)',
};

/**
 * The OpenAPI description of one route, generated from the zod schemas it validates with
 * and the zod schema of its response, which the handler's return type must satisfy (a
 * handler returning something else does not compile).
 */
export function ApiContract<R extends z.ZodType>(options: ApiContractOptions<R>) {
  const roles = options.roles?.length ? `Roles: ${options.roles.join(' or ')}.` : 'Any authenticated user.';
  const decorators: Array<ClassDecorator | MethodDecorator | PropertyDecorator> = [
    ApiOperation({ summary: options.summary, description: [roles, options.access].filter(Boolean).join(' ') }),
  ];
  if (options.body) decorators.push(ApiBody({ required: true, schema: component(options.body[0], options.body[1], 'input') }));
  for (const [name, schema] of Object.entries(options.query?.shape ?? {})) {
    const field = schema as z.ZodType;
    decorators.push(
      ApiQuery({
        name,
        required: !field.safeParse(undefined).success,
        schema: jsonSchemaOf(field, 'input', 'openapi-3.0') as never,
      }),
    );
  }
  for (const [name, schema] of Object.entries(options.params ?? {})) {
    decorators.push(ApiParam({ name, required: true, schema: jsonSchemaOf(schema, 'input', 'openapi-3.0') }));
  }
  const ok = component(options.response[0], options.response[1], 'output');
  const status = options.status ?? 200;
  decorators.push(ApiResponse({ status, description: status === 201 ? 'Created' : 'OK', schema: ok }));
  if (options.repeatStatus && options.repeatStatus !== status) {
    decorators.push(
      ApiResponse({
        status: options.repeatStatus,
        description: 'A repeat of an earlier request: the first result, nothing done again',
        schema: ok,
      }),
    );
  }
  const errors = [...new Set([400, 401, 403, 429, ...(options.errors ?? [])])].sort();
  for (const code of errors)
    decorators.push(
      ApiResponse({ status: code, description: ERROR_TEXT[code] ?? 'Error', schema: { $ref: '#/components/schemas/ErrorBody' } }),
    );
  const apply = applyDecorators(...decorators);
  return <T extends (...args: never[]) => Promise<z.output<R>> | z.output<R>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ) => {
    apply(target, key, descriptor);
  };
}

/** Adds the named zod-generated schemas to an OpenAPI document built by @nestjs/swagger. */
export function addContractComponents(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas ??= {};
  for (const [name, { schema, io }] of components) {
    document.components.schemas[name] = jsonSchemaOf(schema, io, 'openapi-3.0');
  }
  return document;
}
