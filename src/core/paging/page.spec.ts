import { pageRequest, pageSchema, toPage } from './page';
import { z } from 'zod';

describe('toPage', () => {
  const rows = [{ id: 5 }, { id: 4 }, { id: 3 }];
  const item = (r: { id: number }) => ({ n: r.id });
  const cursor = (r: { id: number }) => String(r.id);

  it('asks for one row more than the page holds', () => {
    expect(pageRequest(20)).toBe(21);
  });

  it('gives a cursor to the last kept row when the extra row came back', () => {
    expect(toPage(rows, 2, item, cursor)).toEqual({ items: [{ n: 5 }, { n: 4 }], nextBefore: '4' });
  });

  it('ends with null when exactly a page (or less) came back', () => {
    expect(toPage(rows.slice(0, 2), 2, item, cursor)).toEqual({ items: [{ n: 5 }, { n: 4 }], nextBefore: null });
    expect(toPage([], 2, item, cursor)).toEqual({ items: [], nextBefore: null });
  });

  it('describes the same shape for the contract', () => {
    const schema = pageSchema(z.object({ n: z.number() }));
    expect(schema.parse(toPage(rows, 2, item, cursor))).toEqual({ items: [{ n: 5 }, { n: 4 }], nextBefore: '4' });
    expect(() => schema.parse({ items: [] })).toThrow();
  });
});
