import { P1, P6 } from './fanout';
import type { Scenario } from './types';

export const SCENARIOS: Scenario[] = [P1, P6];
