import { parseJsonBody } from './json-body';
import { toHttpError } from './http-error.filter';

/** What body-parser's json() (Express) answered, which clients keep getting. */
describe('parseJsonBody', () => {
  it('parses objects and arrays, and reads an empty body as {}', () => {
    expect(parseJsonBody('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonBody(' \n[1,2]')).toEqual([1, 2]);
    expect(parseJsonBody('')).toEqual({});
  });

  it('refuses a top-level value that is not an object or an array, naming its first character', () => {
    for (const body of ['"text"', '5', 'true', 'null', '  x']) {
      expect(() => parseJsonBody(body)).toThrow(SyntaxError);
    }
    expect(() => parseJsonBody('5')).toThrow(/5/);
  });

  it('fails with a 400 that toHttpError gives JSON.parse’s message', () => {
    let failure: unknown;
    try {
      parseJsonBody('{"killmail_id": 1,');
    } catch (err) {
      failure = err;
    }
    expect(toHttpError(failure)).toEqual({ statusCode: 400, error: 'bad_request', message: expect.stringContaining('JSON') });
  });

  it('maps Fastify’s body-too-large failure (statusCode 413) to payload_too_large', () => {
    expect(toHttpError(Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }))).toEqual({
      statusCode: 413,
      error: 'payload_too_large',
      message: 'request body too large',
    });
  });
});
