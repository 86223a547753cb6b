import { ClientAddressResolver } from './client-address';

const PRIVATE = ['127.0.0.0/8', '10.0.0.0/8', '::1/128'];

describe('ClientAddressResolver', () => {
  it('ignores X-Forwarded-For unless proxies are trusted', () => {
    expect(new ClientAddressResolver(false, PRIVATE).resolve('10.0.0.5', '1.2.3.4')).toBe('10.0.0.5');
  });

  it('reads right to left through trusted proxies and stops at the first untrusted hop', () => {
    const resolver = new ClientAddressResolver(true, PRIVATE);
    // the client wrote "6.6.6.6" itself; 203.0.113.9 is what our proxy saw
    expect(resolver.resolve('10.0.0.5', '6.6.6.6, 203.0.113.9')).toBe('203.0.113.9');
    expect(resolver.resolve('10.0.0.5', '6.6.6.6, 203.0.113.9, 10.0.0.7')).toBe('203.0.113.9');
    expect(resolver.resolve('::ffff:127.0.0.1', ['198.51.100.1'])).toBe('198.51.100.1');
  });

  it('does not believe the header when the peer itself is not a trusted proxy', () => {
    expect(new ClientAddressResolver(true, PRIVATE).resolve('203.0.113.9', '10.0.0.1')).toBe('203.0.113.9');
  });

  it('stops at garbage and when every hop is trusted keeps the leftmost trusted one', () => {
    const resolver = new ClientAddressResolver(true, PRIVATE);
    expect(resolver.resolve('10.0.0.5', 'not-an-ip')).toBe('10.0.0.5');
    expect(resolver.resolve('10.0.0.5', '10.0.0.9')).toBe('10.0.0.9');
  });
});
