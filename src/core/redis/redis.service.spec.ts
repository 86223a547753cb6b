import type { AppConfig } from '../../config';
import { RedisService } from './redis.service';

const config = (redisUrl: string) => ({ redisUrl, redisPrefix: 'herald-spec' }) as AppConfig;

describe('RedisService.startedUp', () => {
  it('waits for the first connect, after which commands go through (no "Stream isn\'t writeable" at start-up)', async () => {
    const url = process.env.HERALD_TEST_REDIS_URL;
    if (!url) throw new Error('HERALD_TEST_REDIS_URL is set by the global setup');
    const redis = new RedisService(config(url));
    try {
      await redis.startedUp(5000);
      expect(redis.client?.status).toBe('ready');
      await expect(redis.client?.set(redis.key('spec'), '1', 'PX', 1000)).resolves.toBe('OK');
    } finally {
      await redis.onApplicationShutdown();
    }
  });

  it('gives up after its timeout when Redis never comes, and commands still fail fast', async () => {
    const redis = new RedisService(config('redis://127.0.0.1:1'));
    try {
      await redis.startedUp(200);
      expect(redis.client?.status).not.toBe('ready');
      await expect(redis.client?.set(redis.key('spec'), '1')).rejects.toThrow();
    } finally {
      await redis.onApplicationShutdown();
    }
  });
});
