// The compact aggregates kept on each customer profile, updated in the same write as the order,
// refund or event that changes them, so that the nightly analytics read one item per customer
// and never the order history.
//
// Everything the models need is derivable per day, so `--as-of` can recompute any past date:
// BG/NBD counts purchase *days* in the business time zone (several orders on one day are one
// transaction), Gamma-Gamma needs the value of each repeat day, RFM needs recency/frequency/
// monetary, membership needs trailing spend, retention KPIs need active months.

/** Maps keyed by local calendar day `YYYY-MM-DD` in the business time zone. */
export type DailyMap = Record<string, number>;

export interface CustomerActivity {
  /** Net spend (after refunds) per purchase day, in the business currency. Zero-value days stay. */
  dailySpend: DailyMap;
  /** Number of orders per purchase day (orders fully refunded still count: they happened). */
  dailyOrders: DailyMap;
  /** Order lines bought per category (quantity), for segment rules and "categories bought". */
  categoryCounts: Record<string, number>;
  /** Behaviour and social event counts per kind (`page_view`, `review` …); they outlive the raw events. */
  eventCounts: Record<string, number>;
  /** Distinct SKUs bought (bounded), for co-purchase recommendations computed nightly. */
  skus?: string[];
  orderCount: number;
  totalSpend: number;
  refundTotal: number;
  firstOrderAt?: string;
  lastOrderAt?: string;
}

/** Attributes a new profile starts with, so later updates can `SET map.#key` without a missing parent. */
export const EMPTY_ACTIVITY: CustomerActivity = {
  dailySpend: {},
  dailyOrders: {},
  categoryCounts: {},
  eventCounts: {},
  orderCount: 0,
  totalSpend: 0,
  refundTotal: 0,
};
