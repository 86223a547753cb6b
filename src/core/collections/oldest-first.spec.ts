import { OldestFirst } from './oldest-first';

/** The reference behaviour: find the oldest key with a fresh iterator each time. */
function trimNaively<K>(map: Map<K, unknown>, max: number): void {
  while (map.size > max) map.delete(map.keys().next().value!);
}

describe('OldestFirst', () => {
  it('deletes the oldest entries first, down to the bound', () => {
    const map = new Map([1, 2, 3, 4, 5].map((k) => [k, `v${k}`]));
    new OldestFirst(map).trimTo(2);
    expect([...map.keys()]).toEqual([4, 5]);
  });

  it('keeps least-recently-used order when entries are moved to the back, as a fresh iterator would', () => {
    const map = new Map<number, number>();
    const reference = new Map<number, number>();
    const trim = new OldestFirst(map);
    for (let i = 0; i < 20_000; i++) {
      const key = (i * 7919) % 1_500; // revisits keys, so entries move back and holes build up
      for (const m of [map, reference]) {
        m.delete(key);
        m.set(key, i);
      }
      trim.trimTo(1_000);
      trimNaively(reference, 1_000);
    }
    expect([...map]).toEqual([...reference]);
  });

  it('works on after the map was emptied and refilled', () => {
    const map = new Map<string, number>([['a', 1]]);
    const trim = new OldestFirst(map);
    trim.trimTo(0);
    expect(map.size).toBe(0);
    trim.trimTo(0); // nothing to do on an empty map
    map.set('b', 2).set('c', 3).set('d', 4);
    trim.trimTo(1);
    expect([...map.keys()]).toEqual(['d']);
    map.clear();
    map.set('e', 5).set('f', 6);
    trim.trimTo(1);
    expect([...map.keys()]).toEqual(['f']);
  });
});
