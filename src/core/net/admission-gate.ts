/** What the gate needs of a response: to hear when it is over (sent, failed, or its client gone). */
export interface ClosingResponse {
  once(event: 'close', listener: () => void): unknown;
  /** True once the response is over: a `close` listener added now would never run. */
  readonly closed?: boolean;
}

interface Ticket {
  admitted: boolean;
  proceed: () => void;
}

/**
 * Lets at most `slots` requests through at once and queues the rest in arrival order.
 *
 * Made for the batch publish routes, and placed before their bodies are read: a waiting
 * request's items stay in the socket (unread, so not in this process's heap) instead of
 * being parsed, validated and staged while the database works on the batches ahead of it.
 * Every batch alive in the process is copied by each young-generation collection it
 * outlives; with four 500-item batches in flight they outlived two collections each and
 * garbage collection took 13–14 µs of the 47–49 µs of server CPU each event cost, with two
 * 7–8.5 µs of 40–42 (docs/performance.md, "Batch admission"). Two also keep both the server
 * and the database busy: one batch is worked on here while the other is in the database.
 *
 * A slot is given back when the response is over, whatever ended it (`close`); a request
 * whose client leaves while it waits leaves the queue.
 */
export class AdmissionGate {
  private busy = 0;
  private readonly queue: Ticket[] = [];

  constructor(readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`an admission gate needs at least one slot (got ${slots})`);
  }

  /** Requests waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Requests holding a slot. */
  get admitted(): number {
    return this.busy;
  }

  /** Calls `proceed` once `response` holds a slot: at once if one is free, else in arrival order. */
  admit(response: ClosingResponse, proceed: () => void): void {
    // Already over (the client left before this hook ran): nothing would give a slot back.
    if (response.closed) return proceed();
    const ticket: Ticket = { admitted: false, proceed };
    response.once('close', () => {
      if (ticket.admitted) this.release();
      else {
        const at = this.queue.indexOf(ticket);
        if (at >= 0) this.queue.splice(at, 1);
      }
    });
    if (this.busy < this.slots) {
      this.busy++;
      ticket.admitted = true;
      proceed();
    } else this.queue.push(ticket);
  }

  /** The slot passes straight to the longest-waiting request, if any. */
  private release(): void {
    const next = this.queue.shift();
    if (!next) {
      this.busy--;
      return;
    }
    next.admitted = true;
    next.proceed();
  }
}
