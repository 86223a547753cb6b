import { classifyFrame, connectFrame, engineUrl, eventFrame, parseAck, seqOf } from './eio';

const b = (s: string) => Buffer.from(s);

describe('Engine.IO / Socket.IO frames', () => {
  it('classifies frames by their first bytes', () => {
    expect(classifyFrame(b('0{"sid":"x","pingInterval":25000}'))).toBe('open');
    expect(classifyFrame(b('2'))).toBe('ping');
    expect(classifyFrame(b('1'))).toBe('close');
    expect(classifyFrame(b('40/ws/bench,{"sid":"abc"}'))).toBe('connected');
    expect(classifyFrame(b('44/ws/bench,{"message":"no","data":{"code":"socket_error:unauthorized"}}'))).toBe('connect_error');
    expect(classifyFrame(b('42/ws/bench,["bench:event",{"seq":1}]'))).toBe('event');
    expect(classifyFrame(b('41/ws/bench,'))).toBe('disconnect');
    expect(classifyFrame(b('6'))).toBe('other');
  });

  it('builds acknowledged EVENT packets and reads their ACKs', () => {
    expect(eventFrame('/ws/intelligence', 2, 'subscribe', { channels: ['country:a'] })).toBe(
      '42/ws/intelligence,2["subscribe",{"channels":["country:a"]}]',
    );
    expect(classifyFrame(b('43/ws/intelligence,2[{"success":true}]'))).toBe('ack');
    expect(parseAck(b('43/ws/intelligence,12[{"success":true,"channels":[]}]'), '/ws/intelligence')).toEqual({
      id: 12,
      arg: { success: true, channels: [] },
    });
    expect(parseAck(b('43/ws/other,1[{}]'), '/ws/intelligence')).toBeUndefined();
    expect(parseAck(b('431[true]'), '/')).toEqual({ id: 1, arg: true });
  });

  it('builds CONNECT packets for a namespace and for the root', () => {
    expect(connectFrame('/ws/bench', { token: 't', rooms: ['a'] })).toBe('40/ws/bench,{"token":"t","rooms":["a"]}');
    expect(connectFrame('/', { token: 't' })).toBe('40{"token":"t"}');
  });

  it('reads the sequence number without parsing JSON', () => {
    expect(seqOf(b('42/ws/bench,["bench:event",{"room":"r","seq":1234,"t":"99"}]'))).toBe(1234);
    expect(seqOf(b('42/ws/bench,["bench:event",{"room":"r"}]'))).toBe(-1);
    expect(seqOf(b('{"seq":x}'))).toBe(-1);
  });

  it('derives the websocket endpoint', () => {
    expect(engineUrl('http://127.0.0.1:3000')).toBe('ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket');
  });
});
