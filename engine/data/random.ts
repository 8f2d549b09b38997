/**
 * Seedable random numbers that are bit-identical in every JavaScript engine.
 *
 * Only integer ops, IEEE-754 `+ - * /`, `Math.sqrt` (correctly rounded by the spec) and
 * `Math.round/floor` are used. `Math.log`, `Math.exp`, `Math.sin`... are "implementation-approximated"
 * in ECMAScript, so a Firefox or Safari page could differ from Node in the last bit and a seeded
 * market would drift apart; `log` below is fdlibm's algorithm in plain arithmetic instead (V8's
 * Math.log is the same port, so in Node and Chrome the two agree bit for bit).
 */

const TWO_POW_26 = 67_108_864;
const TWO_POW_52 = 4_503_599_627_370_496;

/**
 * xoshiro128** (Blackman & Vigna), 32-bit state words; seeded through splitmix32 so that nearby
 * seeds give unrelated streams.
 *
 * @example
 * const rng = new Random(42);
 * const u = rng.uniform(); // in (0, 1)
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  // Second value of the last pair, NaN when used (a plain double field keeps V8 on its fast path).
  private spareNormal = NaN;
  private spareExponential = NaN;

  /** `seed`: any safe integer >= 0 (both 32-bit halves are used). */
  constructor(seed: number) {
    let s = (seed >>> 0) ^ Math.imul(Math.floor(seed / 4_294_967_296) >>> 0, 0x9e3779b1);
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  /** Next 32-bit unsigned integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform double in the open interval (0, 1): 52 random bits, centred in their cell so never 0 or 1. */
  uniform(): number {
    const hi = this.uint32() >>> 6; // 26 bits
    const lo = this.uint32() >>> 6;
    return (hi * TWO_POW_26 + lo + 0.5) / TWO_POW_52;
  }

  /** Standard normal, by Marsaglia's polar method (no trigonometry). */
  normal(): number {
    const spare = this.spareNormal;
    if (spare === spare) {
      this.spareNormal = NaN;
      return spare;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s >= 1 || s === 0) continue;
      const m = Math.sqrt((-2 * log(s)) / s);
      this.spareNormal = v * m;
      return u * m;
    }
  }

  /** Chi-squared with 5 degrees of freedom: -2 ln(U1 U2) (a chi-squared with 4) plus a squared normal. */
  chiSquared5(): number {
    const z = this.normal();
    return -2 * log(this.uniform() * this.uniform()) + z * z;
  }

  /**
   * Exponential with mean 1. Drawn in pairs from one logarithm: G = -ln(U1 U2) is the sum of two
   * independent Exp(1), and given G the share of the first is uniform, so V G and (1 - V) G are
   * two independent Exp(1).
   */
  exponential(): number {
    const spare = this.spareExponential;
    if (spare === spare) {
      this.spareExponential = NaN;
      return spare;
    }
    const g = -log(this.uniform() * this.uniform());
    const v = this.uniform();
    this.spareExponential = (1 - v) * g;
    return v * g;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// ---------------------------------------------------------------------------------------------
// fdlibm e_log.c (Sun Microsystems, 1993; freely redistributable), transcribed as in V8's ieee754::log

const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const TWO54 = 1.80143985094819840000e16;
const LG1 = 6.666666666666735130e-1;
const LG2 = 3.999999999940941908e-1;
const LG3 = 2.857142874366239149e-1;
const LG4 = 2.222219843214978396e-1;
const LG5 = 1.818357216161805012e-1;
const LG6 = 1.531383769920937332e-1;
const LG7 = 1.479819860511658591e-1;

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);
// POW2[1100 + p] = 2^p for p in [-1074, 1023]: exact, built by repeated halving and doubling
const POW2 = (() => {
  const t = new Float64Array(2124);
  t[1100] = 1;
  for (let p = 1; p <= 1023; p++) t[1100 + p] = t[1100 + p - 1]! * 2;
  for (let p = 1; p <= 1074; p++) t[1100 - p] = t[1100 - p + 1]! / 2;
  return t;
})();
// Word order of a double in memory: every current browser and Node platform is little-endian,
// but ask rather than assume.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/**
 * Natural logarithm in plain IEEE arithmetic (fdlibm), so that it gives the same bits in every
 * engine; equal to V8's Math.log.
 *
 * @example
 * log(Math.E); // 1
 */
export function log(x: number): number {
  f64[0] = x;
  let hx = i32[HI]!;
  let k = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | i32[LO]!) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54; // subnormal: scale up
    f64[0] = x;
    hx = i32[HI]!;
  }
  if (hx >= 0x7ff00000) return x + x;
  const e = (hx >> 20) - 1023;
  k += e;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  // normalise x or x/2 into [sqrt(2)/2, sqrt(2)): fdlibm sets the exponent bits; multiplying by an
  // exact power of two gives the same double without a second trip through memory
  x *= POW2[1100 - e - (i >> 20)]!;
  k += i >> 20;
  const f = x - 1.0;
  const dk = k;
  if ((0x000fffff & (2 + hx)) < 3) {
    // -2**-20 <= f < 2**-20
    if (f === 0) return k === 0 ? 0 : dk * LN2_HI + dk * LN2_LO;
    const r = f * f * (0.5 - 0.33333333333333333 * f);
    return k === 0 ? f - r : dk * LN2_HI - ((r - dk * LN2_LO) - f);
  }
  const s = f / (2.0 + f);
  const z = s * s;
  let j = hx - 0x6147a;
  const w = z * z;
  const j2 = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  j |= j2;
  const r = t2 + t1;
  if (j > 0) {
    const hfsq = 0.5 * f * f;
    return k === 0 ? f - (hfsq - s * (hfsq + r)) : dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f);
  }
  return k === 0 ? f - s * (f - r) : dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f);
}
