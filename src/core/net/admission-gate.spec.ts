import { EventEmitter } from 'node:events';
import { AdmissionGate } from './admission-gate';

/** A response that ends when the test says so. */
class FakeResponse extends EventEmitter {
  closed = false;
  end() {
    this.closed = true;
    this.emit('close');
  }
}

describe('AdmissionGate', () => {
  it('lets `slots` requests through at once and the rest in arrival order as slots are given back', () => {
    const gate = new AdmissionGate(2);
    const started: string[] = [];
    const responses = ['a', 'b', 'c', 'd'].map((name) => {
      const res = new FakeResponse();
      gate.admit(res, () => started.push(name));
      return res;
    });
    expect(started).toEqual(['a', 'b']);
    expect([gate.admitted, gate.waiting]).toEqual([2, 2]);
    responses[1].end();
    expect(started).toEqual(['a', 'b', 'c']);
    responses[0].end();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect([gate.admitted, gate.waiting]).toEqual([2, 0]);
    responses[2].end();
    responses[3].end();
    expect([gate.admitted, gate.waiting]).toEqual([0, 0]);
  });

  it('drops a waiting request whose response ends, which then holds no slot', () => {
    const gate = new AdmissionGate(1);
    const started: string[] = [];
    const first = new FakeResponse();
    const gone = new FakeResponse();
    const last = new FakeResponse();
    gate.admit(first, () => started.push('first'));
    gate.admit(gone, () => started.push('gone'));
    gate.admit(last, () => started.push('last'));
    gone.end();
    expect(gate.waiting).toBe(1);
    first.end();
    expect(started).toEqual(['first', 'last']);
    last.end();
    expect([gate.admitted, gate.waiting]).toEqual([0, 0]);
  });

  it('counts a slot once however often its response reports the end', () => {
    const gate = new AdmissionGate(1);
    const res = new FakeResponse();
    gate.admit(res, () => undefined);
    res.end();
    res.emit('close');
    expect(gate.admitted).toBe(0);
    const next = new FakeResponse();
    let started = false;
    gate.admit(next, () => (started = true));
    expect([started, gate.admitted]).toEqual([true, 1]);
  });

  it('lets a request that is already over through without a slot', () => {
    const gate = new AdmissionGate(1);
    gate.admit(new FakeResponse(), () => undefined);
    const over = new FakeResponse();
    over.closed = true;
    let started = false;
    gate.admit(over, () => (started = true));
    expect([started, gate.admitted, gate.waiting]).toEqual([true, 1, 0]);
  });

  it('needs at least one slot', () => {
    expect(() => new AdmissionGate(0)).toThrow(RangeError);
  });
});
