import { FanOutPacer } from './fan-out-pacer';

/** A pacer on a hand-driven clock and turn queue: each emit "takes" `cost` ms. */
function setup(budgetMs = 4) {
  let clock = 0;
  const turns: Array<() => void> = [];
  const pacer = new FanOutPacer(budgetMs, () => clock, (run) => turns.push(run));
  const ran: number[] = [];
  const emit = (id: number, cost = 1) => () => {
    clock += cost;
    ran.push(id);
  };
  const nextTurn = () => turns.splice(0).forEach((run) => run());
  return { pacer, ran, emit, nextTurn };
}

describe('FanOutPacer', () => {
  it('emits at once while the turn has budget left', () => {
    const { pacer, ran, emit } = setup();
    pacer.run(emit(1));
    pacer.run(emit(2));
    pacer.run(emit(3));
    expect(ran).toEqual([1, 2, 3]);
    expect(pacer.backlog).toBe(0);
  });

  it('queues emits past the budget and runs them over later turns, in order', () => {
    const { pacer, ran, emit, nextTurn } = setup(4);
    for (let i = 1; i <= 10; i++) pacer.run(emit(i, 2));
    expect(ran).toEqual([1, 2]);
    expect(pacer.backlog).toBe(8);
    nextTurn();
    expect(ran).toEqual([1, 2, 3, 4]);
    // A new emit while a backlog exists waits behind it, even with budget left.
    pacer.run(emit(11, 0));
    nextTurn();
    nextTurn();
    nextTurn();
    nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(pacer.backlog).toBe(0);
  });

  it('starts a fresh budget on the next turn when nothing was queued', () => {
    const { pacer, ran, emit, nextTurn } = setup(4);
    pacer.run(emit(1, 3));
    nextTurn();
    // 3 ms spent before this turn do not count: two emits fit, the third waits.
    pacer.run(emit(2, 3));
    pacer.run(emit(3, 3));
    pacer.run(emit(4, 3));
    expect(ran).toEqual([1, 2, 3]);
    expect(pacer.backlog).toBe(1);
  });

  it('keeps draining after an emit throws', () => {
    const { pacer, ran, emit, nextTurn } = setup(1);
    pacer.run(emit(1, 2));
    pacer.run(() => {
      throw new Error('boom');
    });
    pacer.run(emit(3));
    nextTurn();
    nextTurn();
    expect(ran).toEqual([1, 3]);
  });
});
