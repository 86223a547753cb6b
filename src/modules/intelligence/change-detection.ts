/**
 * Significant-change rules of the broadcast job (docs/modules/intelligence.md), as pure functions.
 *
 * The baseline of each figure is the value last alerted on (or first seen). Only a crossing
 * moves that figure's baseline, so:
 *  - a crossing is alerted once: the next tick measures against the new value;
 *  - slow drift below the threshold still adds up and is alerted once the total crosses;
 *  - vitality is alerted on drops only, so its baseline also follows every rise (a drop is
 *    measured from the highest value since the last alert).
 */
import type { IntelligencePriority } from './intelligence.events';

export interface Figures {
  gdp: number;
  population: number;
  vitality: number;
  economicTier: string;
}

export interface Thresholds {
  /** GDP change, percent (either direction). */
  economicChangePct: number;
  /** Population change, percent (either direction). */
  populationChangePct: number;
  /** Vitality drop, points. */
  vitalityDropPoints: number;
}

type FigureName = 'gdp' | 'population' | 'vitality' | 'economicTier';

export interface Crossing {
  figure: FigureName;
  previous: number | string;
  current: number | string;
  delta: number | null;
  deltaPct: number | null;
  threshold: number | null;
}

interface ChangeAssessment {
  crossings: Crossing[];
  /** Baseline to store; equal to the old one when nothing moved it. */
  nextBaseline: Figures;
  baselineMoved: boolean;
}

// Floating-point slack so that e.g. exactly +5 % on a large GDP still counts as 5 %.
const EPSILON = 1e-9;

/** Percent change from `from` to `to`; Infinity from a zero baseline to anything else. */
function percentChange(from: number, to: number): number {
  if (from === to) return 0;
  if (from === 0) return Number.POSITIVE_INFINITY;
  return ((to - from) / Math.abs(from)) * 100;
}

const round = (value: number, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;

function relative(figure: 'gdp' | 'population', from: number, to: number, threshold: number): Crossing | undefined {
  if (from === to) return undefined;
  const pct = percentChange(from, to);
  if (Math.abs(pct) + EPSILON < threshold) return undefined;
  return { figure, previous: from, current: to, delta: to - from, deltaPct: Number.isFinite(pct) ? round(pct) : null, threshold };
}

export function assessChange(current: Figures, baseline: Figures, thresholds: Thresholds): ChangeAssessment {
  const crossings: Crossing[] = [];
  const next: Figures = { ...baseline };

  const gdp = relative('gdp', baseline.gdp, current.gdp, thresholds.economicChangePct);
  if (gdp) {
    crossings.push(gdp);
    next.gdp = current.gdp;
  }
  const population = relative('population', baseline.population, current.population, thresholds.populationChangePct);
  if (population) {
    crossings.push(population);
    next.population = current.population;
  }
  const drop = baseline.vitality - current.vitality;
  if (drop > 0 && drop + EPSILON >= thresholds.vitalityDropPoints) {
    crossings.push({ figure: 'vitality', previous: baseline.vitality, current: current.vitality, delta: round(-drop), deltaPct: null, threshold: thresholds.vitalityDropPoints });
    next.vitality = current.vitality;
  } else if (drop < 0) {
    next.vitality = current.vitality;
  }
  if (current.economicTier !== baseline.economicTier) {
    crossings.push({ figure: 'economicTier', previous: baseline.economicTier, current: current.economicTier, delta: null, deltaPct: null, threshold: null });
    next.economicTier = current.economicTier;
  }

  const baselineMoved =
    next.gdp !== baseline.gdp || next.population !== baseline.population || next.vitality !== baseline.vitality || next.economicTier !== baseline.economicTier;
  return { crossings, nextBaseline: next, baselineMoved };
}

/** How loud an alert is: three times the threshold is high; a vitality drop of twice the threshold is critical. */
export function priorityOf(crossing: Crossing): IntelligencePriority {
  switch (crossing.figure) {
    case 'gdp':
    case 'population': {
      const pct = crossing.deltaPct === null ? Number.POSITIVE_INFINITY : Math.abs(crossing.deltaPct);
      return pct >= 3 * (crossing.threshold ?? 0) ? 'high' : 'medium';
    }
    case 'vitality':
      return Math.abs(crossing.delta ?? 0) >= 2 * (crossing.threshold ?? 0) ? 'critical' : 'high';
    case 'economicTier':
      return 'medium';
  }
}
