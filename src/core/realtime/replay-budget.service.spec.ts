import type { AppConfig } from '../../config';
import { DomainError } from '../errors';
import { ReplayBudget } from './replay-budget.service';

const budget = () => new ReplayBudget({ replayBudgetPerMinute: 100 } as AppConfig);

describe('ReplayBudget', () => {
  it('counts events per user and refuses with retryInMs once used up', () => {
    const b = budget();
    expect(b.remaining('alice', 0)).toBe(100);
    b.charge('alice', 60, 0);
    expect(b.remaining('alice', 1000)).toBe(40);
    b.charge('alice', 40, 1000);
    let refused: unknown;
    try {
      b.remaining('alice', 15_000);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'rate_limited', details: { retryInMs: 45_000, limit: 100 } });
    expect(b.remaining('bob', 15_000)).toBe(100);
  });

  it('gives the full budget back once the minute has passed', () => {
    const b = budget();
    b.charge('alice', 100, 0);
    expect(() => b.remaining('alice', 59_999)).toThrow(DomainError);
    expect(b.remaining('alice', 60_000)).toBe(100);
  });
});
