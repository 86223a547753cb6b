let madeAtMs = Number.NaN;
let made = '';

/**
 * The time an event carries (`timestamp`, ISO 8601): `new Date().toISOString()`, made once
 * per millisecond. A batch stamps hundreds of events within one millisecond, and formatting
 * the date showed in its profile; the string is the same whichever event asks first.
 */
export function eventTimestamp(): string {
  const now = Date.now();
  if (now !== madeAtMs) {
    madeAtMs = now;
    made = new Date(now).toISOString();
  }
  return made;
}
