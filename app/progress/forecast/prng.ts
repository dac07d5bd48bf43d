/**
 * A small seeded generator (mulberry32): the forecast must give the same answer for the same
 * seed, which Math.random cannot. Not for anything secret.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (Box–Muller; the spare is kept for the next call). */
  normal(): number;
}

export function createRng(seed: number): Rng {
  return new Mulberry32(seed);
}

/**
 * The state lives where the optimiser keeps it unboxed: the 32-bit state as an int32 (the same
 * bits as the unsigned value mulberry32 is written with) and the spare normal in a Float64Array,
 * so a draw allocates nothing (the forecast makes tens of millions of them).
 */
class Mulberry32 implements Rng {
  private state: number;
  private readonly spare = new Float64Array(1);
  private hasSpare = false;

  constructor(seed: number) {
    this.state = seed | 0;
  }

  next(): number {
    const s = (this.state + 0x6d2b79f5) | 0;
    this.state = s;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare[0]!;
    }
    let u = 0;
    while (u <= Number.MIN_VALUE) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare[0] = r * Math.sin(2 * Math.PI * v);
    this.hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }
}
