"""Bronze datasets of the streaming domain: the single declaration of their columns."""

from include.elt.contract.datasets import Column, Dataset

PLANS = Dataset(
    name="plans",
    description="The static plan catalog.",
    key=("plan_id",),
    columns=(
        Column("plan_id", "integer"),
        Column("plan_name", "text"),
        Column("monthly_price", "numeric(6,2)"),
        Column("max_streams", "integer"),
        Column("video_quality", "text"),
    ),
)

CONTENT = Dataset(
    name="content",
    description="The content library: movies, music and podcasts.",
    key=("content_id",),
    columns=(
        Column("content_id", "bigint"),
        Column("title", "text"),
        Column("genre", "text"),
        Column("duration_minutes", "integer"),
        Column("release_date", "date"),
    ),
)

CUSTOMERS = Dataset(
    name="customers",
    description="One row per customer, partitioned by signup day.",
    key=("customer_id",),
    partition_column="signup_date",
    columns=(
        Column("customer_id", "bigint"),
        Column("name", "text"),
        Column("email", "text"),
        Column("region", "text"),
        Column("primary_device", "text"),
        Column("signup_date", "date"),
    ),
)

SUBSCRIPTIONS = Dataset(
    name="subscriptions",
    description="Subscription spells; end_date is null while a spell is open-ended.",
    key=("subscription_id",),
    partition_column="start_date",
    foreign_keys={"customer_id": "customers", "plan_id": "plans"},
    columns=(
        Column("subscription_id", "bigint"),
        Column("customer_id", "bigint"),
        Column("plan_id", "integer"),
        Column("start_date", "date"),
        Column("end_date", "date", nullable=True),
    ),
)

USAGE_LOGS = Dataset(
    name="usage_logs",
    description="One row per viewing/listening session, partitioned by session start.",
    key=("usage_id",),
    partition_column="session_start",
    foreign_keys={
        "customer_id": "customers",
        "subscription_id": "subscriptions",
        "content_id": "content",
    },
    columns=(
        Column("usage_id", "bigint"),
        Column("customer_id", "bigint"),
        Column("subscription_id", "bigint"),
        Column("content_id", "bigint"),
        Column("session_start", "timestamp"),
        Column("device", "text"),
        Column("duration_watched", "numeric(8,2)", description="minutes"),
        Column("completion_rate", "numeric(5,4)"),
    ),
)

DATASETS = (PLANS, CONTENT, CUSTOMERS, SUBSCRIPTIONS, USAGE_LOGS)
