/**
 * Fan-out time one event-loop turn may spend before the next emit waits for the turn after.
 * A committed batch resolves many publishes at once (the event log coalesces appends; a
 * batch route commits up to 500 events), and emitting them all in one turn to a large room
 * holds up every HTTP request, handshake and ping behind it for as long as the whole
 * fan-out takes (500 events to 1,000 sockets: seconds). The budget is not smaller because
 * the events of one turn share one socket write per client (write coalescing): a turn that
 * carries a single event costs a write per socket per event, which on this kind of VM costs
 * more CPU than it saves latency. At moderate rates a fan-out takes a few milliseconds and
 * the pacer never holds anything back.
 */
export const FAN_OUT_BUDGET_MS = 20;

type Clock = () => number;
type Defer = (run: () => void) => void;

/**
 * Runs emits in the order they were asked for, at once while the current turn has budget
 * left, otherwise queued and run over the following turns (setImmediate, so pending I/O is
 * served in between). Order is kept across the queue: once anything is queued, every later
 * emit queues behind it, so a socket still receives events in publish (offset) order.
 */
export class FanOutPacer {
  private readonly queue: Array<() => void> = [];
  /** Time spent emitting in the current turn. */
  private spent = 0;
  private resetScheduled = false;
  private draining = false;

  constructor(
    private readonly budgetMs = FAN_OUT_BUDGET_MS,
    private readonly now: Clock = () => performance.now(),
    private readonly defer: Defer = (run) => setImmediate(run),
  ) {}

  /** Emits waiting for a later turn. */
  get backlog(): number {
    return this.queue.length;
  }

  run(emit: () => void): void {
    if (this.queue.length || this.draining || this.spent >= this.budgetMs) {
      this.queue.push(emit);
      this.scheduleDrain();
      return;
    }
    this.timed(emit);
    if (!this.resetScheduled) {
      this.resetScheduled = true;
      this.defer(() => {
        this.resetScheduled = false;
        // A drain resets the budget itself; otherwise this is the start of a fresh turn.
        if (!this.queue.length) this.spent = 0;
      });
    }
  }

  private timed(emit: () => void): void {
    const started = this.now();
    try {
      emit();
    } finally {
      this.spent += this.now() - started;
    }
  }

  private scheduleDrain(): void {
    if (this.draining) return;
    this.draining = true;
    this.defer(() => this.drain());
  }

  private drain(): void {
    this.spent = 0;
    while (this.queue.length && this.spent < this.budgetMs) {
      const emit = this.queue.shift()!;
      // Callers report their own failures (deliverEvent logs); one must not stall the queue.
      try {
        this.timed(emit);
      } catch {
        /* already reported by the emit itself */
      }
    }
    if (this.queue.length) {
      this.defer(() => this.drain());
      return;
    }
    this.draining = false;
  }
}
