import { StatementNames } from './postgres-driver';

describe('StatementNames', () => {
  it('gives a text the same name every time, and different texts different names', () => {
    const names = new StatementNames();
    const a = names.nameOf('SELECT $1::int');
    expect(a).toBeDefined();
    expect(names.nameOf('SELECT $1::int')).toBe(a);
    expect(names.nameOf('SELECT $1::text')).not.toBe(a);
  });

  it('names no new text once the limit is reached, and keeps the names it gave', () => {
    const names = new StatementNames(2);
    const first = names.nameOf('one');
    const second = names.nameOf('two');
    expect(names.nameOf('three')).toBeUndefined();
    expect([names.nameOf('one'), names.nameOf('two')]).toEqual([first, second]);
  });
});
