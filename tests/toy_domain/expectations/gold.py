"""Gold: each changed day's totals equal silver's visits of that day."""

import great_expectations.expectations as gxe

from include.elt.contract.checks import not_null, rows_violating


def configure_daily_visits() -> list:
    return [
        *not_null("count_visits", "count_visitors", "count_pages"),
        gxe.ExpectColumnValuesToBeBetween(column="count_visits", min_value=1),
        rows_violating(
            "each changed day's visits and pages equal silver's visits of that day",
            "with gold as (select visit_date, sum(count_visits) as visits,"
            " sum(count_pages) as pages from {batch} as daily group by visit_date),"
            " silver as (select visit_date, count(*) as visits, sum(pages) as pages"
            " from {{ ref('visits') }} where visit_date >= {{ window_start }}"
            " and visit_date < {{ window_end }} group by visit_date)"
            " select * from gold full join silver using (visit_date)"
            " where gold.visits is distinct from silver.visits"
            " or gold.pages is distinct from silver.pages",
        ),
    ]


SUITES = {"daily_visits": configure_daily_visits}
