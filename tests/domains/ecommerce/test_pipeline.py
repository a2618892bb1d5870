"""The ecommerce flow on a real warehouse: faults quarantined, integrity, SCD2, reconciliations."""

from __future__ import annotations

import csv
import dataclasses
import itertools
import subprocess
import sys
from datetime import date, timedelta

import pytest
from airflow.dag_processing.dagbag import DagBag

from include.elt import pipeline
from include.elt.contract.domain import load_domain
from include.elt.contract.models import models
from include.elt.core.days import Days
from include.elt.core.stages import STAGE_NAMES, stage_of
from include.elt.files.storage import run_folder
from include.elt.stages.generate import generate
from include.elt.stages.load.bronze import ensure_bronze
from tests.conftest import REPO, new_warehouse, role_env, roles, superuser
from tests.helpers import (
    assert_gold_previews_are_published,
    checksum,
    count,
    failing_rows,
    in_process,
    load,
    qualified,
    query,
    run_context,
    warehouse_state,
)

END = date(2025, 11, 15)
WINDOW = Days.ending(END, 14)
SEED = 11
SILVER = [
    "products",
    "customers",
    "orders",
    "order_items",
    "inventory_movements",
    "reviews",
    "sessions",
    "clickstream_events",
    "marketing_campaigns",
    "marketing_events",
    "user_interactions",
    "support_tickets",
]
GOLD = [
    "daily_sales",
    "campaign_performance",
    "product_features",
    "user_product_features",
    "customer_360",
]
BRONZE_ORDERS = qualified("ecommerce", "bronze", "orders")
BRONZE_PRODUCTS = qualified("ecommerce", "bronze", "products")
BRONZE_MARKETING_EVENTS = qualified("ecommerce", "bronze", "marketing_events")
BRONZE_MARKETING_CAMPAIGNS = qualified("ecommerce", "bronze", "marketing_campaigns")
BRONZE_SEGMENT_CHANGES = qualified("ecommerce", "bronze", "customer_segment_changes")
ORDERS = qualified("ecommerce", "silver", "orders")
ORDER_ITEMS = qualified("ecommerce", "silver", "order_items")
PRODUCTS = qualified("ecommerce", "silver", "products")
CUSTOMERS = qualified("ecommerce", "silver", "customers")
REVIEWS = qualified("ecommerce", "silver", "reviews")
MARKETING_EVENTS = qualified("ecommerce", "silver", "marketing_events")
USER_INTERACTIONS = qualified("ecommerce", "silver", "user_interactions")
SUPPORT_TICKETS = qualified("ecommerce", "silver", "support_tickets")
DAILY_SALES = qualified("ecommerce", "gold", "daily_sales")
CAMPAIGN_PERFORMANCE = qualified("ecommerce", "gold", "campaign_performance")
PRODUCT_FEATURES = qualified("ecommerce", "gold", "product_features")
USER_PRODUCT_FEATURES = qualified("ecommerce", "gold", "user_product_features")
CUSTOMER_360 = qualified("ecommerce", "gold", "customer_360")
# child table, column -> parent table, column (silver)
FOREIGN_KEYS = {
    ("orders", "customer_id"): ("customers", "customer_id"),
    ("order_items", "order_id"): ("orders", "order_id"),
    ("order_items", "product_id"): ("products", "product_id"),
    ("inventory_movements", "product_id"): ("products", "product_id"),
    ("reviews", "order_id"): ("orders", "order_id"),
    ("reviews", "customer_id"): ("customers", "customer_id"),
    ("clickstream_events", "session_id"): ("sessions", "session_id"),
    ("marketing_events", "campaign_id"): ("marketing_campaigns", "campaign_id"),
    ("user_interactions", "product_id"): ("products", "product_id"),
    ("support_tickets", "customer_id"): ("customers", "customer_id"),
}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> pipeline.RunContext:
    ctx = run_context(
        new_warehouse(),
        tmp_path_factory.mktemp("ecommerce") / "data",
        "first",
        WINDOW,
        domain="ecommerce",
        seed=SEED,
    )
    pipeline.run(ctx)
    return ctx


# fault in bronze (SQL counting it) -> the silver table and reason that quarantine it
FAULT_REJECTS = {
    f"select count(*) - count(distinct order_id) from {BRONZE_ORDERS}": (
        ORDERS,
        "duplicate order_id",
    ),
    f"select count(distinct order_id) from {BRONZE_ORDERS} where total_amount < 0": (
        ORDERS,
        "negative total_amount",
    ),
    f"select count(*) from {BRONZE_PRODUCTS} where margin_pct < 0": (
        PRODUCTS,
        "negative margin_pct",
    ),
    f"select count(*) from {BRONZE_MARKETING_EVENTS} where campaign_id not in"
    f" (select campaign_id from {BRONZE_MARKETING_CAMPAIGNS})": (
        MARKETING_EVENTS,
        "unknown campaign_id",
    ),
}


@pytest.mark.parametrize("fault", FAULT_REJECTS, ids=lambda q: FAULT_REJECTS[q][1])
def test_every_injected_fault_is_quarantined_with_its_reason(run, fault):
    table, reason = FAULT_REJECTS[fault]
    in_bronze = query(superuser(run), fault)[0][0]
    rejected = query(
        superuser(run),
        "select count(*) from silver.rejects where table_name = %s and reason = %s",
        [table, reason],
    )[0][0]
    assert rejected == in_bronze


def test_nothing_is_lost_between_bronze_and_silver(run):
    # Nothing is lost: every bronze order is in silver or in rejects.
    bronze = count(superuser(run), BRONZE_ORDERS)
    silver = count(superuser(run), ORDERS)
    rejected = query(
        superuser(run),
        "select count(*) from silver.rejects where table_name = %s",
        [ORDERS],
    )[0][0]
    assert bronze == silver + rejected


def test_repairs_keep_the_row_and_say_so(run):
    url = superuser(run)
    assert query(url, f"select count(*) from {ORDERS} where discount_amount is null")[0] == (0,)
    assert query(url, f"select count(*) > 0 from {ORDERS} where discount_was_missing") == [(True,)]
    assert query(url, f"select count(*) > 0 from {ORDER_ITEMS} where category_was_mismatched") == [
        (True,)
    ]
    assert query(
        url,
        "select count(*) > 0, count(*) filter (where email is not null)"
        f" from {CUSTOMERS} where not has_valid_email",
    ) == [(True, 0)]


@pytest.mark.parametrize(("child", "parent"), FOREIGN_KEYS.items(), ids=lambda k: ".".join(k))
def test_silver_has_referential_integrity(run, child, parent):
    (child_table, child_column), (parent_table, parent_column) = child, parent
    child_relation = qualified("ecommerce", "silver", child_table)
    parent_relation = qualified("ecommerce", "silver", parent_table)
    orphans = query(
        superuser(run),
        f"select count(*) from {child_relation} as c where c.{child_column}"
        f" is not null and not exists (select 1 from {parent_relation} as p"
        f" where p.{parent_column} = c.{child_column})",
    )[0][0]
    assert orphans == 0


def test_load_figures_are_reported_and_orphans_are_zero_after_silver(run):
    details = dict(
        query(
            superuser(run),
            "select task, detail from audit.task_runs where run_id = 'first'"
            " and task in ('commit_bronze', 'validate_silver')",
        )
    )
    assert "invalid order totals (negative):" in details["commit_bronze"]
    assert "orphan orders (should be 0): 0" in details["validate_silver"]
    assert "invalid order totals (should be 0): 0" in details["validate_silver"]


def test_temporal_order_holds_in_silver(run):
    url = superuser(run)
    assert query(
        url,
        f"select count(*) from {ORDERS} as o join {CUSTOMERS} as c"
        " on c.customer_id = o.customer_id and c.is_current"
        " where o.order_date::date <= c.signup_date",
    ) == [(0,)]
    assert query(
        url,
        f"select count(*) from {REVIEWS} as r join {ORDERS} as o"
        " using (order_id) where r.review_date <= o.order_date",
    ) == [(0,)]
    assert query(url, f"select count(*) > 0 from {REVIEWS}") == [(True,)]


def test_a1_daily_sales_reconciles_with_silver_items(run):
    rows = query(
        superuser(run),
        "with gold as (select order_day, sum(revenue) as revenue, sum(count_orders) as orders"
        f" from {DAILY_SALES} group by 1),"
        " lines as (select o.order_day, sum(i.line_total) as revenue,"
        f" count(distinct o.order_id) as orders from {ORDER_ITEMS} as i"
        f" join {ORDERS} as o using (order_id) group by 1)"
        " select count(*), count(*) filter (where gold.revenue = lines.revenue)"
        " from gold full join lines using (order_day)",
    )
    days, matching = rows[0]
    assert days >= 14 and matching == days


def test_a2_campaign_performance_reconciles_and_computes_rates(run):
    url = superuser(run)
    gold = query(
        url,
        "select sum(impressions), sum(clicks), sum(conversions), sum(revenue)"
        f" from {CAMPAIGN_PERFORMANCE}",
    )[0]
    silver = query(
        url,
        "select count(*) filter (where event_type = 'impression'),"
        " count(*) filter (where event_type = 'click'),"
        " count(*) filter (where event_type = 'conversion'), sum(revenue)"
        f" from {MARKETING_EVENTS}",
    )[0]
    assert gold == silver
    assert query(
        url,
        f"select count(*) from {CAMPAIGN_PERFORMANCE} where impressions > 0"
        " and (ctr != round(clicks::numeric / impressions, 4)"
        " or roas != round(revenue / nullif(cost, 0), 4))",
    ) == [(0,)]
    assert query(
        url, f"select min(first_event_at), max(last_event_at) from {CAMPAIGN_PERFORMANCE}"
    ) == query(url, f"select min(event_date), max(event_date) from {MARKETING_EVENTS}")


def test_b3_features_reconcile_with_interactions_and_orders(run):
    url = superuser(run)
    assert query(
        url,
        f"select (select sum(views) from {PRODUCT_FEATURES})"
        f" = (select count(*) from {USER_INTERACTIONS}"
        " where interaction_type = 'view'),"
        f" (select sum(units_sold) from {PRODUCT_FEATURES})"
        f" = (select sum(quantity) from {ORDER_ITEMS}),"
        f" (select count(*) from {USER_PRODUCT_FEATURES})"
        f" = (select count(distinct (user_id, product_id)) from {USER_INTERACTIONS})",
    ) == [(True, True, True)]


def test_c2_customer_360_reconciles_with_silver(run):
    url = superuser(run)
    assert query(
        url,
        f"select (select count(*) from {CUSTOMER_360})"
        f" = (select count(*) from {CUSTOMERS} where is_current),"
        f" (select sum(count_orders) from {CUSTOMER_360})"
        f" = (select count(*) from {ORDERS}),"
        f" (select sum(lifetime_revenue) from {CUSTOMER_360})"
        f" = (select sum(total_amount) from {ORDERS} where status = 'completed'),"
        f" (select sum(count_tickets) from {CUSTOMER_360})"
        f" = (select count(*) from {SUPPORT_TICKETS})",
    ) == [(True, True, True, True)]


def test_reports_are_exported_from_gold(run):
    for name, relation in load_domain("ecommerce").reports.items():
        with (run.reports_dir / name).open() as f:
            rows = list(csv.reader(f))
        assert len(rows) - 1 == count(superuser(run), qualified("ecommerce", "gold", relation))


def test_the_analytics_log_previews_each_gold_relation_as_it_is_published(run):
    assert_gold_previews_are_published(superuser(run), "ecommerce", run.analytics_log)


def test_scd2_history_grows_across_daily_runs_and_survives_reruns(tmp_path):
    url, data_dir = new_warehouse(), tmp_path / "data"
    first_end = date(2025, 6, 30)
    pipeline.run(
        run_context(
            url, data_dir, "day-1", Days(first_end, first_end), domain="ecommerce", seed=SEED
        )
    )
    before = set(query(url, f"select customer_id, valid_from, valid_to from {CUSTOMERS}"))
    # Thirty daily runs later, segments have changed for some customers.
    later = first_end + timedelta(days=30)
    pipeline.run(
        run_context(url, data_dir, "day-31", Days(later, later), domain="ecommerce", seed=SEED)
    )
    after = query(
        url,
        f"select customer_id, valid_from, valid_to, is_current from {CUSTOMERS}",
    )
    changed = query(
        url,
        f"select distinct customer_id from {BRONZE_SEGMENT_CHANGES}"
        " where changed_at > %s and changed_at <= %s",
        [first_end, later],
    )
    assert changed, "no segment changed in 30 days: pick another window"
    by_customer: dict[str, list] = {}
    for customer_id, valid_from, valid_to, is_current in after:
        by_customer.setdefault(customer_id, []).append((valid_from, valid_to, is_current))
    for (customer_id,) in changed:
        versions = sorted(by_customer[customer_id])
        assert [v[2] for v in versions] == [False] * (len(versions) - 1) + [True]
        assert versions[-1][1] is None
        for older, newer in itertools.pairwise(versions):
            assert older[1] == newer[0], "a version ends where the next begins"
    # History as of the first run is still there, only closed where a change came since.
    unchanged = {c for c, *_ in before} - {c for (c,) in changed}
    kept = {(c, f, t) for c, f, t, _ in after if c in unchanged}
    assert {r for r in before if r[0] in unchanged} == kept
    state = checksum(url, CUSTOMERS)
    pipeline.run(
        run_context(
            url, data_dir, "day-31-again", Days(later, later), domain="ecommerce", seed=SEED
        )
    )
    assert checksum(url, CUSTOMERS) == state


def test_parquet_files_load_like_csv(tmp_path):
    domain = load_domain("ecommerce")
    window = Days.ending(END, 2)
    url = new_warehouse()
    ensure_bronze(roles(url).loader, domain)
    folder = run_folder(tmp_path, "ecommerce", "parquet-run")
    manifest = generate(domain, window, scale="tiny", seed=3, out_dir=folder, file_format="parquet")
    assert (folder / "orders_metadata.json").is_file()
    load(url, manifest, "parquet-run")
    for entry in manifest.files:
        assert count(url, qualified("ecommerce", "bronze", entry.dataset)) == entry.rows


def test_cli_takes_explicit_volumes_and_loads(tmp_path, warehouse_url):
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts/elt.py"),
            "generate",
            "--domain",
            "ecommerce",
            "--customers",
            "400",
            "--products",
            "60",
            "--days",
            "3",
            "--end",
            "2025-11-15",
            "--scale",
            "tiny",
            "--load",
            "--run-id",
            "volumes",
        ],
        capture_output=True,
        text=True,
        env={**role_env(warehouse_url), "ELT_DATA_DIR": str(tmp_path), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert count(warehouse_url, BRONZE_PRODUCTS) == 60
    assert 300 < count(warehouse_url, qualified("ecommerce", "bronze", "customers")) < 500
    assert "orphan orders (unknown customer)" in result.stderr
    assert query(warehouse_url, "select scale, volumes from audit.domain_profiles") == [
        ("tiny", {"customers": 400, "products": 60})
    ]


def test_the_ecommerce_dag_runs_end_to_end(airflow_db, warehouse_url, data_dir):
    dag = in_process(DagBag(dag_folder=str(REPO / "dags")).dags["ecommerce"])
    run = dag.test(run_conf={"scale": "tiny", "start": "2025-11-10", "end": "2025-11-12"})
    instances = run.get_task_instances()
    assert {ti.state for ti in instances} == {"success"}
    assert {stage_of(ti.task_id) for ti in instances} == {*STAGE_NAMES, "release_domain"}
    domain = load_domain("ecommerce")
    # one load task; the audit keeps each dataset's load apart
    loads = query(
        warehouse_url,
        "select task from audit.task_runs where run_id = %s and task like 'load_bronze%%'",
        [run.run_id],
    )
    assert sorted(t for (t,) in loads) == sorted(f"load_bronze[{d.name}]" for d in domain.datasets)
    assert {ti.task_id for ti in instances} >= {f"build_{m.layer}.{m.name}" for m in models(domain)}
    for mart in GOLD:
        assert count(warehouse_url, qualified("ecommerce", "gold", mart)) > 0, mart


def test_daily_runs_and_an_out_of_order_backfill_equal_one_run(tmp_path):
    first, days = date(2025, 10, 1), 8
    one, daily = new_warehouse(), new_warehouse()
    pipeline.run(
        run_context(
            one,
            tmp_path / "one",
            "one",
            Days.ending(first + timedelta(days - 1), days),
            domain="ecommerce",
            seed=SEED,
        )
    )
    late = first + timedelta(days=3)
    order = [d for d in range(days) if d != 3] + [3]
    for n, offset in enumerate(order):
        day = first + timedelta(days=offset)
        run_type = "manual" if n == 0 else "backfill" if day == late else "scheduled"
        ctx = run_context(
            daily,
            tmp_path / "daily",
            f"{run_type}-{day}",
            Days(day, day),
            domain="ecommerce",
            seed=SEED,
        )
        pipeline.run(dataclasses.replace(ctx, run_type=run_type))
    assert warehouse_state(daily, "ecommerce") == warehouse_state(one, "ecommerce")


# --- the gates issue 9 added catch a planted violation ----------------------------------------


# (layer, suite, the check's description, SQL planting the violation on planted_batch, rows found)
PLANTED = [
    pytest.param(
        "silver",
        "customers",
        "current emails are unique",
        "update planted_batch set email ="
        " (select min(email) from planted_batch where is_current)"
        " where customer_id = (select max(customer_id) from planted_batch"
        " where is_current and email is not null)",
        1,
        id="a second current account with the first one's email",
    ),
    pytest.param(
        "silver",
        "marketing_campaigns",
        "a campaign past its end date is completed",
        "update planted_batch set status = 'active', end_date = start_date"
        " where campaign_id = (select min(campaign_id) from planted_batch)",
        1,
        id="a campaign ended before the data's last day still says active",
    ),
    pytest.param(
        "silver",
        "orders",
        "the shipping address is whole",
        "update planted_batch set shipping_address = shipping_address - 'zip'"
        " where order_id = (select min(order_id) from planted_batch);"
        " update planted_batch set shipping_address = jsonb_set(shipping_address, '{city}',"
        " '\"Atlantis\"') where order_id = (select max(order_id) from planted_batch)",
        2,
        id="an order without a zip code, another to another city than its buyer's",
    ),
    pytest.param(
        "silver",
        "products",
        "attributes name a colour",
        "update planted_batch set attributes = attributes - 'color'"
        " where product_id = (select min(product_id) from planted_batch)",
        1,
        id="a product whose attributes lost their colour",
    ),
    pytest.param(
        "gold",
        "customer_360",
        "lifetime value covers the completed orders",
        "update planted_batch set lifetime_revenue = total_lifetime_value + 0.01"
        " where customer_id = (select min(customer_id) from planted_batch)",
        1,
        id="completed orders worth more than the lifetime value",
    ),
    pytest.param(
        "bronze",
        "orders",
        "row count within",
        "delete from planted_batch where right(order_id, 1) < '5'",
        1,
        id="half the orders of the days loaded lost (seed 002: within 5%)",
    ),
    pytest.param(
        "bronze",
        "customers",
        "email is the previous account's",
        "insert into planted_batch select (c.customer_id || '-copy'), c.name, c.email, c.phone,"
        " c.signup_date + 1, c.loyalty_tier, c.total_lifetime_value, c.segment, c.address_city,"
        " c.address_state, c.address_country, c.date_of_birth, c.gender,"
        " c.preferred_contact_method, c.preferences, c._run_id, c._source_file, c._loaded_at"
        " from planted_batch as c where c.customer_id like '%0'",
        1,
        id="a tenth of the accounts reuse another's email (designed: 1%)",
    ),
]


@pytest.mark.parametrize(("layer", "suite", "description", "planted", "found"), PLANTED)
def test_the_new_gates_catch_a_planted_violation(run, layer, suite, description, planted, found):
    url = superuser(run)
    assert failing_rows(url, "ecommerce", layer, suite, description, planted) == found
