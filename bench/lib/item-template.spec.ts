import { BATCH_ROUTES, type BatchRouteName } from '../scenarios/routes';
import { itemTemplate } from './item-template';

describe('batch item templates', () => {
  const pad = 'x'.repeat(64);

  it.each(Object.keys(BATCH_ROUTES) as BatchRouteName[])('writes exactly what JSON.stringify writes for the %s route', (name) => {
    const route = BATCH_ROUTES[name];
    const room = route.room(3);
    const write = itemTemplate((payload, key) => route.item(room, payload, key), `${room}#2`, pad);
    for (const seq of [1, 42, 1_000_001]) {
      const t = (123_456_789_012_345n + BigInt(seq)).toString();
      const key = `bench-4242-mk3x9-${seq}`;
      expect(write({ seq, t, key })).toBe(JSON.stringify(route.item(room, { room: `${room}#2`, seq, t, pad }, key)));
    }
  });

  it('refuses an item that drops the send time or repeats a part', () => {
    expect(() => itemTemplate((payload) => ({ seq: payload.seq }), 'r#0', pad)).toThrow(/expected seq and t once each/);
    expect(() => itemTemplate((payload, key) => ({ data: payload, key, again: key }), 'r#0', pad)).toThrow(/key at most once/);
  });
});
