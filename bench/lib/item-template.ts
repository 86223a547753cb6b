/**
 * A batch item's JSON text with its per-item parts left as holes: the stamp's sequence
 * number, its send time and the idempotency key. In P9 the load generator shares the load
 * core with PostgreSQL, so what it spends per item is taken from the database under test;
 * filling three holes costs a fraction of building 500 objects and stringifying them
 * (and leaves far less garbage behind).
 */
import type { BenchPayload } from '../servers/payload';

const SEQ_HOLE = 987_654_321_987;
const T_HOLE = '\u0001t\u0001';
const KEY_HOLE = '\u0001key\u0001';
type Hole = 'seq' | 't' | 'key';

export interface ItemParts {
  seq: number;
  /** The send time, decimal nanoseconds (`process.hrtime.bigint()`). */
  t: string;
  /** Plain characters only (letters, digits, `-`): it is written into the JSON unescaped. */
  key: string;
}

export type ItemWriter = (parts: ItemParts) => string;

/**
 * `build(payload, key)` returns the item; the payload's `seq` and `t` must appear in it as
 * given, once each, and the key at most once (as in every batch route's item).
 */
export function itemTemplate(build: (payload: BenchPayload, key: string) => unknown, stampRoom: string, pad: string): ItemWriter {
  const json = JSON.stringify(build({ room: stampRoom, seq: SEQ_HOLE, t: T_HOLE, pad }, KEY_HOLE));
  // JSON.stringify writes U+0001 as the escape \u0001: find the holes by their written form.
  const written: Record<Hole, string> = { seq: String(SEQ_HOLE), t: JSON.stringify(T_HOLE).slice(1, -1), key: JSON.stringify(KEY_HOLE).slice(1, -1) };
  const pieces = json.split(new RegExp(`(${Object.values(written).map((w) => w.replace(/\\/g, '\\\\')).join('|')})`));
  const texts: string[] = [];
  const holes: Hole[] = [];
  pieces.forEach((piece, i) => {
    if (i % 2 === 0) texts.push(piece);
    else holes.push((Object.keys(written) as Hole[]).find((h) => written[h] === piece)!);
  });
  // The bare route's items carry no idempotency key; every other part must be there, once.
  const once = (h: Hole) => holes.filter((x) => x === h).length === 1;
  if (!once('seq') || !once('t') || holes.filter((x) => x === 'key').length > 1) throw new Error(`item template: expected seq and t once each (and the key at most once) in ${json}`);
  return (parts) => {
    let out = texts[0];
    for (let i = 0; i < holes.length; i++) out += (holes[i] === 'seq' ? String(parts.seq) : parts[holes[i] as 't' | 'key']) + texts[i + 1];
    return out;
  };
}
