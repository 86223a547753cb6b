import fc from 'fast-check';
import { isValidRoomName } from './rooms';

const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('isValidRoomName', () => {
  it('accepts the channel shapes the namespaces use', () => {
    for (const name of ['all', 'economic', 'killstream', 'country:42', 'user:alice@example.com', 'conversation:c_1', 'campaign:abc-1.2']) {
      expect(isValidRoomName(name)).toBe(true);
    }
  });

  it('refuses wildcards, paths, spaces, empty ids and overlong names', () => {
    for (const name of ['*', 'test:*', '../etc', 'test:a b', 'test:', ':x', '', 'x'.repeat(300), `a:${'x'.repeat(129)}`, 'Economic', 42, null]) {
      expect(isValidRoomName(name)).toBe(false);
    }
  });

  it('never accepts a Socket.IO socket id, which names that socket’s private room', () => {
    // socket.io ids: 15 random bytes as URL-safe base64, 20 characters.
    const socketId = fc.string({ unit: fc.constantFrom(...base64url), minLength: 20, maxLength: 20 });
    fc.assert(fc.property(socketId, (id) => !isValidRoomName(id)), { numRuns: 5000 });
  });
});
