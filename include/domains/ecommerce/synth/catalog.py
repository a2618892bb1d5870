"""The product catalog: one table, replaced whole (it has no day)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from include.domains.ecommerce import design as d
from include.domains.ecommerce.synth.common import (
    Pools,
    day_number,
    ids,
    json_objects,
    json_text,
    pick_by,
    quoted,
    strings,
    to_date,
    values,
)
from include.elt.contract.randomness import rng_for, weighted_choice


@dataclass(frozen=True)
class Products:
    table: pa.Table
    ids: np.ndarray  # of active, correctly priced products, by price
    prices: np.ndarray
    categories: np.ndarray
    popularity: np.ndarray


def products(seed: int, n: int, pools: Pools) -> Products:
    rng = rng_for(seed, "products")
    category = weighted_choice(rng, values(d.CATEGORIES), d.CATEGORY_SHARE, n)
    low, high = (np.array([d.CATEGORY_PRICE[c][i] for c in category], float) for i in (0, 1))
    price = np.round(np.exp(rng.uniform(np.log(low), np.log(high))), 2)
    m_low, m_high = (np.array([d.CATEGORY_MARGIN[c][i] for c in category], float) for i in (0, 1))
    margin = rng.uniform(m_low, m_high)
    negative = rng.random(n) < d.FAULTS["products.negative_margin"]
    margin = np.where(negative, -rng.uniform(5, 25, n), margin)
    cost = np.round(price * (1 - margin / 100), 2)
    margin_pct = np.round((price - cost) / price * 100, 2)
    rating = np.round(rng.uniform(2.5, 5.0, n), 2)
    rating_null = rng.random(n) < d.FAULTS["products.null_rating"]
    sub_index = rng.integers(0, 5, n)
    subcategory = np.array(
        [d.SUBCATEGORIES[c][i] for c, i in zip(category, sub_index, strict=True)], dtype=object
    )
    product_ids = ids("PROD", 0, np.arange(n))
    names = pc.binary_join_element_wise(
        pa.array(pools.pick(rng, "words", n), pa.string()),
        pa.array(subcategory, pa.string()),
        pa.array(pools.pick(rng, "words", n), pa.string()),
        " ",
    )
    active = rng.random(n) < d.ACTIVE_SHARE
    created = to_date(day_number(d.LAUNCH_DAY) - rng.integers(30, 3 * 365, n))
    table = pa.table(
        {
            "product_id": product_ids,
            "product_name": names,
            "category": category.tolist(),
            "subcategory": subcategory.tolist(),
            "brand": pools.pick(rng, "brands", n).tolist(),
            "price": price,
            "cost": cost,
            "margin_pct": margin_pct,
            "stock_quantity": rng.integers(0, 500, n).astype(np.int32),
            "supplier_id": ids("SUP", 0, rng.integers(0, 200, n)),
            "created_at": created,
            "is_active": active,
            "rating_avg": pa.array(rating, mask=rating_null),
            "review_count": rng.integers(0, 400, n).astype(np.int32),
            "attributes": _attributes(rng, category, pools),
        }
    )
    sellable = np.flatnonzero(active & ~negative)
    order = sellable[np.argsort(price[sellable], kind="stable")]
    popularity = rng.permutation(1.0 / np.arange(1, len(order) + 1) ** 0.7)
    return Products(
        table,
        strings(product_ids)[order],
        price[order],
        category[order],
        popularity / popularity.sum(),
    )


def _attributes(rng: np.random.Generator, category: np.ndarray, pools: Pools) -> pa.Array:
    """Seed 004's product attributes: colour, weight, and the category's own attribute."""
    n = len(category)
    low, high = d.WEIGHT_KG
    weight = np.round(np.exp(rng.uniform(np.log(low), np.log(high), n)), 2)
    own = {
        name: tuple(f', "{key}": {json.dumps(option)}' for option in options)
        for name, (key, options) in d.CATEGORY_ATTRIBUTE.items()
    }
    return json_objects(
        {"color": quoted(pools.pick(rng, "colors", n)), "weight_kg": json_text(weight)},
        more=pick_by(rng, category, own),
    )
