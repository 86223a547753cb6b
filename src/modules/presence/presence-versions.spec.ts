import { PresenceVersions } from './presence-versions';

describe('PresenceVersions', () => {
  it('accepts only versions newer than the last accepted one, per user', () => {
    const versions = new PresenceVersions();
    expect(versions.accept('alice', 5)).toBe(true);
    expect(versions.accept('alice', 4)).toBe(false); // overtaken on the way
    expect(versions.accept('alice', 5)).toBe(false); // the same change twice
    expect(versions.accept('bob', 1)).toBe(true); // users are independent
    expect(versions.accept('alice', 6)).toBe(true);
  });

  it('forgets the least recently changed users past its capacity', () => {
    const versions = new PresenceVersions(2);
    versions.accept('a', 10);
    versions.accept('b', 10);
    versions.accept('a', 11); // a is now the most recent
    versions.accept('c', 10); // evicts b
    expect(versions.accept('b', 1)).toBe(true);
    expect(versions.accept('c', 10)).toBe(false); // still remembered
  });
});
