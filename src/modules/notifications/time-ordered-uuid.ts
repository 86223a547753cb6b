import { randomBytes } from 'node:crypto';

let counter = 0;

/** Random bytes drawn from the CSPRNG in bulk: one call per 1,024 ids instead of one per id. */
const RANDOM_BYTES_PER_ID = 6;
const POOL_IDS = 1024;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomHex(): string {
  if (poolOffset + RANDOM_BYTES_PER_ID > pool.length) {
    pool = randomBytes(RANDOM_BYTES_PER_ID * POOL_IDS);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + RANDOM_BYTES_PER_ID);
  poolOffset += RANDOM_BYTES_PER_ID;
  return hex;
}

/**
 * A version 7 UUID (time first) whose 24 bits after the timestamp are a process-wide
 * counter, so the ids this process makes sort in the order they were made, also within one
 * millisecond; the last 48 bits are random. Batch publish makes one per notification: a
 * `randomBytes` call each took ~75 % of this function's time (6.3 → 1.5 µs per id).
 */
export function timeOrderedUuid(): string {
  counter = (counter + 1) % 0x1000000;
  const time = Date.now().toString(16).padStart(12, '0');
  const count = counter.toString(16).padStart(6, '0');
  // Variant nibble fixed at 8 (RFC 9562 allows 8–b): a random one there would outrank the counter after it.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${count.slice(0, 3)}-8${count.slice(3)}-${randomHex()}`;
}
