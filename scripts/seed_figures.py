#!/usr/bin/env python
"""Print the shop's measured figures beside the seeds' numbers, for one generated window.

    python scripts/seed_figures.py                        # default scale, seed 42, seed 002's range
    python scripts/seed_figures.py --scale tiny --seed 3 --days 365

No warehouse needed: it generates in memory. The same properties are asserted, with binomial
tolerances, by tests/domains/ecommerce/test_generate.py; this prints the numbers behind them.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from include.domains.ecommerce import design as d
from include.elt.contract.domain import load_domain
from include.elt.core.days import Days

QUANTILES = [(0.05, -1.6449), (0.25, -0.6745), (0.5, 0.0), (0.75, 0.6745), (0.95, 1.6449)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="default", choices=d.SCALES)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--days", type=int, help="a window ending on seed 002's last day")
    args = parser.parse_args()
    window = Days.ending(d.SEED_END, args.days) if args.days else Days(d.LAUNCH_DAY, d.SEED_END)
    started = time.perf_counter()
    parts = load_domain("ecommerce").generate(window, scale=args.scale, seed=args.seed)
    print(
        f"ecommerce {args.scale} seed {args.seed}, {window}: generated in "
        f"{time.perf_counter() - started:.1f}s"
    )
    customers = parts["customers"].table.to_pandas()
    rows = parts["orders"].table.to_pandas()
    orders = rows.drop_duplicates("order_id")

    total = orders["total_amount"].abs()
    print(f"orders: {len(rows):,} rows ({len(orders):,} orders)")
    print(
        f"order total: mean ${total.mean():.1f} (design {d.ORDER_VALUE_MEAN:.0f}),"
        f" sd ${total.std():.1f} (design {d.ORDER_VALUE_SD:.0f}),"
        f" ${total.min():.2f}..${total.max():,.2f}"
    )
    for p, z in QUANTILES:
        below = (total < math.exp(d.ORDER_VALUE_MU + d.ORDER_VALUE_SIGMA * z)).mean()
        se = math.sqrt(p * (1 - p) / len(total))
        print(f"  share below the log-normal's {p:.0%} quantile: {below:.4f} (se {se:.4f})")

    tiers = orders.merge(customers[["customer_id", "loyalty_tier"]], on="customer_id")
    medians = tiers.groupby("loyalty_tier")["total_amount"].median()
    print("median order by tier:", ", ".join(f"{t} ${medians[t]:.0f}" for t in d.TIERS))

    completed = orders[orders["status"] == "completed"]
    spent = completed.groupby("customer_id")["total_amount"].sum()
    ltv = customers.set_index("customer_id")["total_lifetime_value"]
    over = (spent.reindex(ltv.index).fillna(0) > ltv).sum()
    print(f"customers whose completed orders exceed their lifetime value: {over} of {len(ltv):,}")
    for tier, (low, high) in zip(d.TIERS, d.TIER_LTV, strict=True):
        own = customers.loc[customers["loyalty_tier"] == tier, "total_lifetime_value"]
        ceiling = math.inf if tier == "platinum" else high
        inside = own.between(low, ceiling).mean()
        print(f"  {tier}: lifetime value inside ${low:,}..{ceiling:,}: {inside:.1%}")

    counts = orders["customer_id"].value_counts()
    top = counts.iloc[: math.ceil(0.2 * len(customers))].sum() / counts.sum()
    print(f"orders placed by the top 20% of customers: {top:.1%} (seed 002: about 80%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
