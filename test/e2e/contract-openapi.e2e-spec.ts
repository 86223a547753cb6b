/**
 * GET /api/docs/json is complete: every /api operation has its parameters, request body
 * and success response as schemas generated from the zod declarations, the error shape on
 * its 4xx answers, and who may call it in its description.
 */
import { startTestApp, type TestApp } from '../support/app';
import { http } from '../support/clients';

type Schema = Record<string, unknown> & { $ref?: string };
interface Operation {
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** Actions that take no body (the path says everything). */
const BODYLESS = new Set([
  'post /api/notifications/read-all',
  'post /api/notifications/{id}/read',
  'post /api/notifications/{id}/ack',
]);

describe('OpenAPI completeness', () => {
  let app: TestApp;
  let doc: OpenApi;
  const operations: Array<{ key: string; path: string; method: string; op: Operation }> = [];

  beforeAll(async () => {
    app = await startTestApp();
    const res = await http<OpenApi>(app.url, 'GET', '/api/docs/json');
    expect(res.status).toBe(200);
    doc = res.body;
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/')) continue;
      for (const [method, op] of Object.entries(methods)) operations.push({ key: `${method} ${path}`, path, method, op });
    }
  });
  afterAll(async () => {
    await app?.close();
  });

  const resolves = (schema: Schema | undefined) =>
    Boolean(schema?.$ref && doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]);

  it('describes every operation: parameters, body, success response, errors and roles', () => {
    const problems: string[] = [];
    let withBody = 0;
    for (const { key, path, method, op } of operations) {
      if (!op.summary) problems.push(`${key}: no summary`);
      if (!/Roles: |Any authenticated user/.test(op.description ?? '')) problems.push(`${key}: who may call it is not described`);
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        const param = op.parameters?.find((p) => p.in === 'path' && p.name === name);
        if (!param?.schema?.type) problems.push(`${key}: path parameter ${name} has no schema`);
      }
      for (const param of op.parameters ?? []) if (!param.schema) problems.push(`${key}: parameter ${param.name} has no schema`);
      const takesBody = ['post', 'put', 'patch'].includes(method) && !BODYLESS.has(key);
      if (takesBody) {
        withBody++;
        if (!resolves(op.requestBody?.content['application/json']?.schema)) problems.push(`${key}: no request body schema`);
      }
      const ok = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      if (!ok.length || !ok.every(([, r]) => resolves(r.content?.['application/json']?.schema)))
        problems.push(`${key}: no success response schema`);
      for (const status of ['400', '401', '403']) {
        if (op.responses[status]?.content?.['application/json']?.schema.$ref !== '#/components/schemas/ErrorBody')
          problems.push(`${key}: ${status} without the error shape`);
      }
    }
    expect(problems).toEqual([]);
    // The figures in the report: all operations, those taking a body, all with a response schema.
    expect(operations.length).toBeGreaterThanOrEqual(36);
    expect(withBody).toBeGreaterThanOrEqual(19);
  });

  it('answers idempotent repeats with 200 and first requests with 201, both described', () => {
    for (const key of [
      'post /api/conversations/{id}/messages',
      'post /api/intelligence/updates',
      'post /api/killmails',
      'put /api/countries/{id}',
      'post /api/achievements/unlock',
    ]) {
      const op = operations.find((o) => o.key === key)!.op;
      expect({
        key,
        statuses: Object.keys(op.responses)
          .filter((s) => s.startsWith('2'))
          .sort(),
      }).toEqual({ key, statuses: ['200', '201'] });
    }
  });

  it('carries the validators’ constraints and the error shape as named components', () => {
    const schemas = doc.components.schemas;
    expect(schemas.ErrorBody).toMatchObject({ required: expect.arrayContaining(['statusCode', 'error', 'message']) });
    const conversation = schemas.CreateConversationBody as { properties: { participantIds: Schema } };
    expect(conversation.properties.participantIds).toMatchObject({ type: 'array', minItems: 1, maxItems: 99 });
    const notify = schemas.CreateNotificationsBody as { description?: string; properties: { eventKey: Schema } };
    expect(notify.properties.eventKey).toMatchObject({ pattern: '^[A-Za-z0-9_.:-]+$', maxLength: 128 });
    expect(notify.description).toContain('exactly one of userId');
    expect(schemas.Message).toMatchObject({ required: expect.arrayContaining(['id', 'conversationId', 'status']) });
  });
});
