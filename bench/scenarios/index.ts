import { P3, P4 } from './connections';
import { P1, P6 } from './fanout';
import { P9 } from './batch';
import { P10 } from './embedded';
import { P8 } from './http-fanout';
import { P7 } from './replay';
import { P2, P5 } from './rooms';
import type { Scenario } from './types';

/** In docs/performance.md order. */
export const SCENARIOS: Scenario[] = [P1, P2, P3, P4, P5, P6, P7, P8, P9, P10];
