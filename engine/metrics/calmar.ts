/**
 * Calmar ratio: cagr / maxDrawdown, both fractions ({@link cagr}, {@link maxDrawdown}; the
 * drawdown positive). NaN when maxDrawdown is 0 or not finite: like a Sharpe without volatility,
 * a return per unit of no drawdown is undefined rather than infinite.
 *
 * @example
 * calmar(0.21, 0.1); // 2.1
 */
export function calmar(cagr: number, maxDrawdown: number): number {
  if (!(maxDrawdown > 0) || !Number.isFinite(maxDrawdown)) return NaN;
  return cagr / maxDrawdown;
}
