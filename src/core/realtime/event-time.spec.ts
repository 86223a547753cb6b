import { eventTimestamp } from './event-time';

describe('eventTimestamp', () => {
  afterEach(() => jest.useRealTimers());

  it('is the current time in ISO 8601, the same string within a millisecond and a new one after it', () => {
    jest.useFakeTimers({ now: new Date('2026-12-03T10:00:00.123Z') });
    expect(eventTimestamp()).toBe('2026-12-03T10:00:00.123Z');
    expect(eventTimestamp()).toBe('2026-12-03T10:00:00.123Z');
    jest.advanceTimersByTime(1);
    expect(eventTimestamp()).toBe('2026-12-03T10:00:00.124Z');
    // A clock set back is followed too, not only one moving forward.
    jest.setSystemTime(new Date('2026-12-02T23:59:59.999Z'));
    expect(eventTimestamp()).toBe('2026-12-02T23:59:59.999Z');
  });
});
