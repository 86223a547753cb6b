import { z } from 'zod';
import { DomainError } from './domain-error';
import { ids, parseInput } from './validation';

describe('ids.offset and ids.bigintId', () => {
  it.each(['0', '42', '9223372036854775807', 0, 42])('accepts %p', (value) => {
    expect(parseInput(ids.offset, value)).toBe(String(value));
  });

  it.each(['9223372036854775808', '9999999999999999999', '12345678901234567890', '1e5', '-1', '', 'abc', 1e30, -1, 1.5])(
    'refuses %p as bad_request',
    (value) => {
      expect(() => parseInput(ids.offset, value)).toThrow(DomainError);
      try {
        parseInput(ids.offset, value);
      } catch (err) {
        expect((err as DomainError).code).toBe('bad_request');
      }
    },
  );

  it('bounds numeric ids the same way', () => {
    expect(parseInput(ids.bigintId(), '9223372036854775807')).toBe('9223372036854775807');
    expect(() => parseInput(ids.bigintId(), '9999999999999999999')).toThrow(DomainError);
    expect(() => parseInput(ids.bigintId(), '1e5')).toThrow(DomainError);
  });
});

describe('parseInput structural checks', () => {
  const anything = z.unknown();

  it.each([
    ['a key at the top', '{"__proto__":{"admin":true}}', 'body: key "__proto__" is not allowed'],
    ['a key inside an array item', '{"items":[{"a":1},{"b":{"constructor":1}}]}', 'body: key "constructor" is not allowed'],
    ['a key in an array of arrays', '[[{"prototype":2}]]', 'body: key "prototype" is not allowed'],
  ])('refuses %s', (_what, json, message) => {
    expect(() => parseInput(anything, JSON.parse(json), 'body')).toThrow(message);
  });

  it('refuses nesting deeper than 16 levels, in objects and arrays alike', () => {
    const deepArray = JSON.parse('['.repeat(18) + ']'.repeat(18));
    const deepObject = JSON.parse('{"a":'.repeat(18) + '1' + '}'.repeat(18));
    expect(() => parseInput(anything, deepArray)).toThrow('nested deeper than 16 levels');
    expect(() => parseInput(anything, deepObject)).toThrow('nested deeper than 16 levels');
    expect(parseInput(anything, JSON.parse('['.repeat(16) + ']'.repeat(16)))).toBeDefined();
  });

  it('looks at own keys only', () => {
    const inherited = Object.create({ constructor: 'from the prototype' }) as Record<string, unknown>;
    inherited.fine = [1, { ok: true }];
    expect(parseInput(anything, inherited)).toBe(inherited);
  });
});
