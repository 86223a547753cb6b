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
