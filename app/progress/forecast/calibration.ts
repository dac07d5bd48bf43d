import type { Rng } from './prng.js';
import { quantile } from './quantile.js';

/**
 * What the project's own history says about its estimates, and the priors used where it says
 * too little. Pure: the observations come from app/progress/forecast/sql/*.
 */

export interface Observations {
  /** Actual active hours ÷ estimated hours, one per finished attempt (assignments). */
  ratios: readonly number[];
  /** Tasks whose first attempt has an outcome, and how many of them failed or were sent back. */
  firstPass: { tasks: number; redone: number };
  /** Hours from a task's finished work (PR ready) to its merge, one per merged task. */
  reviewHours: readonly number[];
}

export interface Priors {
  /** Lognormal actual/estimate ratio used below `minObservations` ratios (median 1, σ 0.5). */
  ratio: { median: number; sigma: number };
  /** First-pass failure or revise rate with no history (0.3); history moves it as it accrues. */
  retryRate: number;
  /** Review-to-merge latency with too few merges: lognormal (median 0 h means none). */
  review: { medianHours: number; sigma: number };
  /** Fewer observations than this and the prior is used (5). */
  minObservations: number;
}

export const DEFAULT_PRIORS: Priors = {
  ratio: { median: 1, sigma: 0.5 },
  retryRate: 0.3,
  review: { medianHours: 0, sigma: 0.5 },
  minObservations: 5,
};

export const NO_OBSERVATIONS: Observations = { ratios: [], firstPass: { tasks: 0, redone: 0 }, reviewHours: [] };

/** One draw per call: a task attempt's ratio, whether it is redone, its review latency. */
export interface Samplers {
  ratio(rng: Rng): number;
  retryRate: number;
  /**
   * Once per run: how far this project's true pace and retry rate may sit from what a short
   * history shows (the uncertainty of the estimates themselves, shrinking as history grows).
   * A factor on every duration of the run, and the run's retry rate.
   */
  perRun(rng: Rng): { factor: number; retryRate: number };
  review(rng: Rng): number;
  summary: CalibrationSummary;
}

export interface CalibrationSummary {
  observations: number;
  ratio_median: number;
  ratio_p90: number;
  retry_rate: number;
  review_hours_median: number;
  /** Which parts are the project's history and which the prior. */
  source: { ratio: 'observed' | 'prior'; retry: 'observed' | 'prior' | 'blend'; review: 'observed' | 'prior' };
}

const Z90 = 1.2815515655446004;
const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/**
 * The observed values resampled with a little log-space jitter, so nothing is promised to be
 * bounded by the worst seen. The jitter is sd/√n: the predictive spread of a new draw, not a
 * smoothing bandwidth, which would fatten every draw and push the sum (the makespan) up.
 */
function kernelSampler(values: readonly number[]): (rng: Rng) => number {
  const logs = Float64Array.from(values, (v) => Math.log(v));
  const n = logs.length;
  let mean = 0;
  for (const l of logs) mean += l;
  mean /= n;
  let sd = 0;
  for (const l of logs) sd += (l - mean) ** 2;
  sd = Math.sqrt(sd / Math.max(1, n - 1));
  const bw = Math.max(sd, 0.05) / Math.sqrt(n);
  return (rng) => Math.exp(logs[Math.floor(rng.next() * n)]! + bw * rng.normal());
}

function lognormal(median: number, sigma: number): (rng: Rng) => number {
  if (!(median > 0)) return () => 0;
  if (!(sigma > 0)) return () => median;
  const mu = Math.log(median);
  return (rng) => Math.exp(mu + sigma * rng.normal());
}

export function calibrate(obs: Observations, priors: Priors = DEFAULT_PRIORS): Samplers {
  const ratios = obs.ratios.filter((r) => Number.isFinite(r) && r > 0);
  const reviews = obs.reviewHours.filter((h) => Number.isFinite(h) && h >= 0);
  const min = Math.max(1, priors.minObservations);

  const ratioObserved = ratios.length >= min;
  const ratio = ratioObserved ? kernelSampler(ratios) : lognormal(priors.ratio.median, priors.ratio.sigma);
  const ratioMedian = ratioObserved ? quantile(ratios, 0.5) : priors.ratio.median;
  const ratioP90 = ratioObserved ? quantile(ratios, 0.9) : priors.ratio.median * Math.exp(Z90 * Math.max(0, priors.ratio.sigma));

  // Beta-binomial: the prior counts as `min` tasks, so a handful of lucky first passes cannot
  // promise that nothing will ever be redone, and a long history outweighs the prior.
  const tasks = Math.max(0, obs.firstPass.tasks);
  const redone = Math.min(tasks, Math.max(0, obs.firstPass.redone));
  const retryRate = Math.min(0.95, (redone + priors.retryRate * min) / (tasks + min));

  const reviewObserved = reviews.length >= min;
  // Latencies can be 0 (merged at once); a kernel in log space needs them positive.
  const review = reviewObserved ? shifted(reviews) : lognormal(priors.review.medianHours, priors.review.sigma);
  const reviewMedian = reviewObserved ? quantile(reviews, 0.5) : priors.review.medianHours;

  // Standard error of the observed log-ratio mean; of the blended retry rate (normal approximation of its beta).
  const logSe = ratioObserved ? logSd(ratios) / Math.sqrt(ratios.length) : 0;
  const retrySe = Math.sqrt((retryRate * (1 - retryRate)) / (tasks + min + 1));
  const perRun = (rng: Rng): { factor: number; retryRate: number } => ({
    factor: logSe > 0 ? Math.exp(logSe * rng.normal()) : 1,
    retryRate: retrySe > 0 ? Math.min(0.95, Math.max(0, retryRate + retrySe * rng.normal())) : retryRate,
  });
  return {
    ratio,
    retryRate,
    perRun,
    review,
    summary: {
      observations: ratios.length,
      ratio_median: r4(ratioMedian),
      ratio_p90: r4(ratioP90),
      retry_rate: r4(retryRate),
      review_hours_median: r4(reviewMedian),
      source: { ratio: ratioObserved ? 'observed' : 'prior', retry: tasks === 0 ? 'prior' : tasks >= 10 * min ? 'observed' : 'blend', review: reviewObserved ? 'observed' : 'prior' },
    },
  };
}

function logSd(values: readonly number[]): number {
  const logs = values.map((v) => Math.log(v));
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  return Math.sqrt(logs.reduce((a, l) => a + (l - mean) ** 2, 0) / Math.max(1, logs.length - 1));
}

function shifted(values: readonly number[]): (rng: Rng) => number {
  const eps = 1 / 60;
  const k = kernelSampler(values.map((v) => v + eps));
  return (rng) => Math.max(0, k(rng) - eps);
}
