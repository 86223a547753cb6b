import { Server } from 'socket.io';
import { Decoder } from 'socket.io-parser';
import { encodeLoggedEvent } from './encoded-event';
import type { LoggedEvent } from './event-log.service';

describe('encodeLoggedEvent', () => {
  const server = new Server();
  const logged: LoggedEvent = { offset: '42', event: 'intel:update', payload: { countryId: 'c1', text: 'ä"\\n' }, createdAt: new Date(0) };

  it('encodes the payload with its offset as a Socket.IO event of the namespace', () => {
    const encoded = encodeLoggedEvent(server, '/ws/intelligence', logged);
    const decoded: unknown[] = [];
    const decoder = new Decoder();
    decoder.on('decoded', (packet) => decoded.push(packet));
    for (const p of encoded.packets) decoder.add(p);
    expect(decoded).toEqual([
      { type: 2, nsp: '/ws/intelligence', data: ['intel:update', { countryId: 'c1', text: 'ä"\\n', offset: '42' }] },
    ]);
  });

  it('builds the WebSocket frame of the Engine.IO message once, byte for byte', () => {
    const encoded = encodeLoggedEvent(server, '/ws/intelligence', logged);
    const body = Buffer.from(`4${encoded.packets[0] as string}`);
    const frame = Buffer.concat(encoded.opts.wsPreEncodedFrame ?? []);
    expect(frame[0]).toBe(0x81); // FIN + text
    expect(frame[1]).toBe(body.length); // unmasked, short length
    expect(frame.subarray(2)).toEqual(body);
    expect(encodeLoggedEvent(server, '/ws/intelligence', logged)).toBe(encoded);
  });

  it('encodes again for another namespace', () => {
    const a = encodeLoggedEvent(server, '/ws/a', logged);
    const b = encodeLoggedEvent(server, '/ws/b', logged);
    expect(b).not.toBe(a);
    expect(b.packets[0]).toContain('/ws/b,');
  });
});
