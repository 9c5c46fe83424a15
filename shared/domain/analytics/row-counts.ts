// Weighted rows of numbers, `[k0, k1, (k2,) count]`, grouped by their leading values: the BG/NBD
// rows {x, t_x, T, count} and the Gamma-Gamma rows {x, zbar, count} of the nightly pass-1 summary.
// Kept in nested maps keyed by the numbers themselves (no string key to build per customer, no row
// allocated for a row already seen), and listed in ascending order of the leading values, so the
// same rows give the same list in any order of arrival. Pure: no I/O.

type Leaves = Map<number, number[]>;

export class RowCounts {
  /** Two leading values: k0 → k1 → row. Three: k0 → k1 → k2 → row. */
  private readonly root = new Map<number, Map<number, Leaves | number[]>>();

  constructor(private readonly width: 2 | 3) {}

  /** Adds `count` to the row whose leading values are (k0, k1) or (k0, k1, k2). */
  add(count: number, k0: number, k1: number, k2 = 0): void {
    let second = this.root.get(k0);
    if (second === undefined) {
      second = new Map();
      this.root.set(k0, second);
    }
    let leaves: Leaves;
    let key: number;
    if (this.width === 2) {
      leaves = second as Leaves;
      key = k1;
    } else {
      let third = second.get(k1) as Leaves | undefined;
      if (third === undefined) {
        third = new Map();
        second.set(k1, third);
      }
      leaves = third;
      key = k2;
    }
    const row = leaves.get(key);
    if (row === undefined) leaves.set(key, this.width === 2 ? [k0, k1, count] : [k0, k1, k2, count]);
    else row[this.width] = (row[this.width] as number) + count;
  }

  /** Every row, ascending by the first value, then the second, … (count excluded). */
  rows(): number[][] {
    const rows: number[][] = [];
    const visit = (level: Map<number, unknown>) => {
      // A typed array sorts numerically, natively: much faster than a comparator on 10^5 keys.
      for (const key of Float64Array.from(level.keys()).sort()) {
        const next = level.get(key);
        if (next instanceof Map) visit(next);
        else rows.push(next as number[]);
      }
    };
    visit(this.root);
    return rows;
  }
}
