// A benchmark module (`bench/<topic>.bench.ts`) exports `default: Benchmark`. Each figure sits next
// to a reference measured in the same run, so machine noise cancels out in the ratio.

export interface Figure {
  /** What was measured, e.g. `BG/NBD fit on CDNOW (2,357 customers)`. */
  name: string;
  value: number;
  unit: string;
  /** The reference measured in the same run, e.g. a bare SDK loop or an empty handler. */
  reference?: { name: string; value: number; unit: string };
  /** value / reference.value (computed by the runner when a reference is given). */
  ratio?: number;
  /** The goal in words, e.g. `< 1.5x of the I/O floor`, and whether this run met it. */
  goal?: string;
  met?: boolean;
  notes?: string;
}

export interface BenchContext {
  /** Start the local stack (DynamoDB Local etc.) once, shared by benchmarks that need it. */
  stack(): Promise<import('../infra/local/local-stack.js').LocalStack>;
  /** `npm run bench -- --quick`: use small sizes and short runs (checks the code paths only). */
  quick: boolean;
  log(message: string): void;
  /** A line printed under the section's title in the report (what was measured how, what is missing). */
  note(text: string): void;
}

export interface Benchmark {
  title: string;
  run(context: BenchContext): Promise<Figure[]>;
}
