import type { AppConfig } from '../../config';
import { DomainError } from '../errors';
import type { RedisService } from '../redis/redis.service';
import { ConnectionLimiter } from './connection-limiter.service';

const config = {
  socket: { maxConnections: 4, maxConnectionsPerIp: 3, maxConnectionsPerUser: 2, handshakesPerIpPerSecond: 2 },
} as AppConfig;
const limiter = () => new ConnectionLimiter(config, { enabled: false, client: undefined } as unknown as RedisService);
const codeOf = async (attempt: Promise<unknown>) => {
  try {
    await attempt;
  } catch (err) {
    return (err as DomainError).code;
  }
  return 'admitted';
};

describe('ConnectionLimiter (single instance)', () => {
  it('caps connections per user, per address and in total; a released slot is free again, once', async () => {
    const l = limiter();
    const a1 = await l.admit('alice', '10.0.0.1');
    await l.admit('alice', '10.0.0.1');
    expect(await codeOf(l.admit('alice', '10.0.0.2'))).toBe('too_many_connections');
    await l.admit('bob', '10.0.0.1');
    expect(await codeOf(l.admit('carol', '10.0.0.1'))).toBe('too_many_connections'); // per address
    await l.admit('carol', '10.0.0.2');
    expect(await codeOf(l.admit('dave', '10.0.0.3'))).toBe('too_many_connections'); // in total
    a1.release();
    a1.release();
    expect(l.localConnections).toBe(3);
    expect(await codeOf(l.admit('alice', '10.0.0.3'))).toBe('admitted');
    expect(await codeOf(l.admit('alice', '10.0.0.3'))).toBe('too_many_connections');
  });

  it('limits handshakes per address per second', () => {
    const l = limiter();
    l.checkHandshakeRate('10.0.0.1');
    l.checkHandshakeRate('10.0.0.1');
    expect(() => l.checkHandshakeRate('10.0.0.1')).toThrow(DomainError);
    expect(() => l.checkHandshakeRate('10.0.0.2')).not.toThrow();
  });

  it('refuses a banned user until the ban passes', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const l = limiter();
      await l.ban('mallory', 10);
      expect(await codeOf(l.admit('mallory', '10.0.0.1'))).toBe('unauthorized');
      jest.setSystemTime(1_000_000 + 10_001);
      expect(await codeOf(l.admit('mallory', '10.0.0.1'))).toBe('admitted');
    } finally {
      jest.useRealTimers();
    }
  });
});
