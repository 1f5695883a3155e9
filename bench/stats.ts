// The few statistics the benchmark prints.

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
export const ms = (value: number) => `${value.toFixed(1)} ms`;
export const medP95 = (values: number[]) => `${ms(quantile(values, 0.5))} / ${ms(quantile(values, 0.95))}`;

/** One row of the table: our figure, the baseline measured in the same run, the target. */
export type Report = (what: string, ours: string, baseline: string, target: string, met: boolean) => void;
