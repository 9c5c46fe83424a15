// Weighted rows of numbers, `[k0, k1, (k2,) count]`, grouped by their leading values: the BG/NBD
// rows {x, t_x, T, count} and the Gamma-Gamma rows {x, zbar, count} of the nightly pass-1 summary.
// Kept as counts in nested maps keyed by the numbers themselves (no string key to build and no row
// to allocate per customer), and listed in ascending order of the leading values, so the same rows
// give the same list in any order of arrival. Pure: no I/O.

type Counts = Map<number, number>;

export class RowCounts {
  /** Two leading values: k0 → k1 → count. Three: k0 → k1 → k2 → count. */
  private readonly root = new Map<number, Map<number, Counts | number>>();

  constructor(private readonly width: 2 | 3) {}

  /** Adds `count` to the row whose leading values are (k0, k1) or (k0, k1, k2). */
  add(count: number, k0: number, k1: number, k2 = 0): void {
    let second = this.root.get(k0);
    if (second === undefined) {
      second = new Map();
      this.root.set(k0, second);
    }
    let counts = second as Counts;
    let key = k1;
    if (this.width === 3) {
      let third = second.get(k1) as Counts | undefined;
      if (third === undefined) {
        third = new Map();
        second.set(k1, third);
      }
      counts = third;
      key = k2;
    }
    counts.set(key, (counts.get(key) ?? 0) + count);
  }

  /** Every row `[…leading values, count]`, ascending by the first value, then the second, … */
  rows(): number[][] {
    const rows: number[][] = [];
    const visit = (level: Map<number, unknown>, leading: number[]) => {
      // A typed array sorts numerically, natively: much faster than a comparator on 10^5 keys.
      for (const key of Float64Array.from(level.keys()).sort()) {
        const next = level.get(key);
        if (next instanceof Map) visit(next, [...leading, key]);
        else rows.push([...leading, key, next as number]);
      }
    };
    visit(this.root, []);
    return rows;
  }
}
