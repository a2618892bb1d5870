"""Silver: strict. Accepted values and the seed's behavioural rules; keys and foreign keys come
from each model's declaration (``sql/streaming/silver/*.yml``)."""

import great_expectations.expectations as gxe

from include.domains.streaming import design as d
from include.elt.contract.checks import not_null, rows_violating
from include.elt.contract.patterns import EMAIL_PATTERN

LOW, HIGH = d.COMPLETION_CLIP


def configure_plans() -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(column="plan_name", value_set=list(d.PLAN_NAMES)),
        gxe.ExpectColumnValuesToBeBetween(column="monthly_price", min_value=0, strict_min=True),
    ]


def configure_content() -> list:
    return [
        *not_null("title", "genre", "duration_minutes"),
        gxe.ExpectColumnValuesToBeInSet(column="genre", value_set=list(d.GENRES)),
    ]


def configure_customers() -> list:
    return [
        *not_null("name", "email", "signup_date"),
        gxe.ExpectColumnValuesToMatchRegex(column="email", regex=EMAIL_PATTERN),
    ]


def configure_subscriptions() -> list:
    return [
        *not_null("customer_id", "plan_id", "start_date"),
        rows_violating(
            "subscriptions start on or after signup",
            "select s.subscription_id from {batch} as s"
            " join {{ ref('customers') }} as c using (customer_id)"
            " where s.start_date < c.signup_date",
        ),
        rows_violating(
            "subscriptions end on or after they start",
            "select subscription_id from {batch} where end_date < start_date",
        ),
    ]


def configure_usage_logs() -> list:
    return [
        *not_null("customer_id", "subscription_id", "content_id", "session_start", "usage_date"),
        gxe.ExpectColumnValuesToBeBetween(column="completion_rate", min_value=LOW, max_value=HIGH),
        rows_violating(
            "no usage outside an active subscription of the same customer",
            "select u.usage_id from {batch} as u"
            " join {{ ref('subscriptions') }} as s using (subscription_id)"
            " where s.customer_id != u.customer_id or u.usage_date < s.start_date"
            " or u.usage_date > coalesce(s.end_date, 'infinity')",
        ),
        rows_violating(
            f"duration_watched is {d.MIN_WATCHED:.0%}-100% of the content length",
            "select u.usage_id from {batch} as u"
            " join {{ ref('content') }} as c using (content_id)"
            f" where u.duration_watched < {d.MIN_WATCHED} * c.duration_minutes"
            f" - {d.WATCHED_ROUNDING} or u.duration_watched > c.duration_minutes",
        ),
        rows_violating(
            f"{d.PREMIUM} sessions watch at least {d.PREMIUM_MIN_WATCHED:.0%} of the content",
            "select u.usage_id from {batch} as u"
            " join {{ ref('subscriptions') }} as s using (subscription_id)"
            " join {{ ref('plans') }} as p using (plan_id)"
            " join {{ ref('content') }} as c using (content_id)"
            f" where p.plan_name = '{d.PREMIUM}' and u.duration_watched"
            f" < {d.PREMIUM_MIN_WATCHED} * c.duration_minutes - {d.WATCHED_ROUNDING}",
        ),
    ]


SUITES = {
    "plans": configure_plans,
    "content": configure_content,
    "customers": configure_customers,
    "subscriptions": configure_subscriptions,
    "usage_logs": configure_usage_logs,
}
