import { timeOrderedUuid } from './time-ordered-uuid';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedUuid', () => {
  it('makes version 7 UUIDs that sort in the order they were made, across refills of its random pool', () => {
    const ids = Array.from({ length: 3000 }, () => timeOrderedUuid());
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every id random bits of its own (the pool is never read twice)', () => {
    const randomParts = Array.from({ length: 5000 }, () => timeOrderedUuid().slice(-12));
    expect(new Set(randomParts).size).toBe(randomParts.length);
  });
});
