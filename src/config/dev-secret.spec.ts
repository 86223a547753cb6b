import { maskSecret } from './dev-secret';

describe('maskSecret', () => {
  it('keeps six characters and stars the rest', () => {
    expect(maskSecret('abcdefghijklmnop')).toBe('abcdef**********');
    expect(maskSecret('abc')).toBe('abc');
  });
});
