"""Bronze datasets of the ecommerce domain (seeds 002, 003, 004): the one declaration of columns."""

from include.elt.contract.datasets import Column, Dataset


def _c(name: str, pg_type: str, nullable: bool = False) -> Column:
    return Column(name, pg_type, nullable)


CUSTOMERS = Dataset(
    name="customers",
    description="Customer master data as at signup; faults: null phone, invalid and shared emails.",
    key=("customer_id",),
    partition_column="signup_date",
    columns=(
        _c("customer_id", "text"),
        _c("name", "text"),
        _c("email", "text"),
        _c("phone", "text", nullable=True),
        _c("signup_date", "date"),
        _c("loyalty_tier", "text"),
        _c("total_lifetime_value", "numeric(12,2)"),
        _c("segment", "text"),
        _c("address_city", "text"),
        _c("address_state", "text"),
        _c("address_country", "text"),
        _c("date_of_birth", "date"),
        _c("gender", "text"),
        _c("preferred_contact_method", "text"),
        # seed 004's JSONB: {"newsletter": bool, "favorite_categories": [...]}
        _c("preferences", "jsonb"),
    ),
)

CUSTOMER_SEGMENT_CHANGES = Dataset(
    name="customer_segment_changes",
    description="Later changes of a customer's segment and tier: the source of SCD Type 2 history.",
    key=("change_id",),
    partition_column="changed_at",
    foreign_keys={"customer_id": "customers"},
    columns=(
        _c("change_id", "text"),
        _c("customer_id", "text"),
        _c("segment", "text"),
        _c("loyalty_tier", "text"),
        _c("changed_at", "date"),
    ),
)

PRODUCTS = Dataset(
    name="products",
    description="The product catalog; faults: null rating, negative margin.",
    key=("product_id",),
    columns=(
        _c("product_id", "text"),
        _c("product_name", "text"),
        _c("category", "text"),
        _c("subcategory", "text"),
        _c("brand", "text"),
        _c("price", "numeric(10,2)"),
        _c("cost", "numeric(10,2)"),
        _c("margin_pct", "numeric(7,2)"),
        _c("stock_quantity", "integer"),
        _c("supplier_id", "text"),
        _c("created_at", "date"),
        _c("is_active", "boolean"),
        _c("rating_avg", "numeric(3,2)", nullable=True),
        _c("review_count", "integer"),
        # seed 004's JSONB: {"color", "weight_kg"} and one attribute of the category
        _c("attributes", "jsonb"),
    ),
)

ORDERS = Dataset(
    name="orders",
    description="Order headers; faults: null discount, duplicate order_id, negative total.",
    key=("order_id",),
    partition_column="order_date",
    foreign_keys={"customer_id": "customers"},
    columns=(
        _c("order_id", "text"),
        _c("customer_id", "text"),
        _c("order_date", "timestamp"),
        _c("region", "text"),
        _c("status", "text"),
        _c("item_count", "integer"),
        _c("subtotal", "numeric(12,2)"),
        _c("discount_amount", "numeric(10,2)", nullable=True),
        _c("tax_amount", "numeric(10,2)"),
        _c("shipping_cost", "numeric(10,2)"),
        _c("total_amount", "numeric(12,2)"),
        # seed 004's JSONB: {"street", "city", "state", "zip", "country"}, the buyer's city
        _c("shipping_address", "jsonb"),
    ),
)

ORDER_ITEMS = Dataset(
    name="order_items",
    description="Order lines; fault: category that does not match the product's.",
    key=("order_item_id",),
    partition_column="order_date",
    foreign_keys={"order_id": "orders", "product_id": "products"},
    columns=(
        _c("order_item_id", "text"),
        _c("order_id", "text"),
        _c("order_date", "timestamp"),
        _c("product_id", "text"),
        _c("category", "text"),
        _c("quantity", "integer"),
        _c("unit_price", "numeric(10,2)"),
        _c("line_total", "numeric(12,2)"),
    ),
)

INVENTORY_MOVEMENTS = Dataset(
    name="inventory_movements",
    description="Stock movements: sales and returns from orders, restocks, adjustments.",
    key=("movement_id",),
    partition_column="movement_date",
    foreign_keys={"product_id": "products"},
    columns=(
        _c("movement_id", "text"),
        _c("product_id", "text"),
        _c("movement_type", "text"),
        _c("quantity", "integer"),
        _c("movement_date", "timestamp"),
        _c("reference_id", "text", nullable=True),
    ),
)

REVIEWS = Dataset(
    name="reviews",
    description="Reviews, only by customers who ordered the product, after the order.",
    key=("review_id",),
    partition_column="review_date",
    foreign_keys={"order_id": "orders", "product_id": "products", "customer_id": "customers"},
    columns=(
        _c("review_id", "text"),
        _c("order_id", "text"),
        _c("product_id", "text"),
        _c("customer_id", "text"),
        _c("rating", "integer"),
        _c("review_text", "text"),
        _c("review_date", "timestamp"),
        _c("verified_purchase", "boolean"),
    ),
)

SESSIONS = Dataset(
    name="sessions",
    description="Web and app sessions.",
    key=("session_id",),
    partition_column="session_start",
    columns=(
        _c("session_id", "text"),
        _c("customer_id", "text", nullable=True),
        _c("session_start", "timestamp"),
        _c("session_end", "timestamp"),
        _c("device_type", "text"),
        _c("browser", "text"),
        _c("city", "text"),
        # seed 004's JSONB: {"os", "screen"}, the operating system one of the device's
        _c("device_info", "jsonb"),
    ),
)

CLICKSTREAM_EVENTS = Dataset(
    name="clickstream_events",
    description="Events inside sessions.",
    key=("event_id",),
    partition_column="event_timestamp",
    foreign_keys={"session_id": "sessions"},
    columns=(
        _c("event_id", "text"),
        _c("session_id", "text"),
        _c("customer_id", "text", nullable=True),
        _c("event_type", "text"),
        _c("event_timestamp", "timestamp"),
        _c("product_id", "text", nullable=True),
        _c("device_type", "text"),
        _c("page_url", "text"),
    ),
)

MARKETING_CAMPAIGNS = Dataset(
    name="marketing_campaigns",
    description="Campaigns, partitioned by start day.",
    key=("campaign_id",),
    partition_column="start_date",
    columns=(
        _c("campaign_id", "text"),
        _c("campaign_name", "text"),
        _c("channel", "text"),
        _c("start_date", "date"),
        _c("end_date", "date"),
        _c("budget", "numeric(12,2)"),
        _c("target_audience", "text"),
        _c("objective", "text"),
        _c("status", "text"),
        _c("owner", "text"),
    ),
)

MARKETING_EVENTS = Dataset(
    name="marketing_events",
    description="Impressions, clicks and conversions; faults: orphan campaign_id, null location.",
    key=("event_id",),
    partition_column="event_date",
    foreign_keys={"campaign_id": "marketing_campaigns"},
    columns=(
        _c("event_id", "text"),
        _c("campaign_id", "text"),
        _c("event_date", "timestamp"),
        _c("event_type", "text"),
        _c("user_id", "text"),
        _c("cost", "numeric(10,4)"),
        _c("revenue", "numeric(10,2)"),
        _c("device_type", "text"),
        _c("browser", "text"),
        _c("location", "text", nullable=True),
    ),
)

USER_INTERACTIONS = Dataset(
    name="user_interactions",
    description="User-product signals; faults: orphan product_id, null session_id.",
    key=("interaction_id",),
    partition_column="interaction_timestamp",
    foreign_keys={"product_id": "products"},
    columns=(
        _c("interaction_id", "text"),
        _c("user_id", "text"),
        _c("product_id", "text"),
        _c("interaction_type", "text"),
        _c("interaction_timestamp", "timestamp"),
        _c("rating", "integer", nullable=True),
        _c("session_id", "text", nullable=True),
        _c("duration_seconds", "integer", nullable=True),
        _c("referrer", "text"),
        _c("device_type", "text"),
    ),
)

SUPPORT_TICKETS = Dataset(
    name="support_tickets",
    description="Support tickets with priority-driven resolution times.",
    key=("ticket_id",),
    partition_column="created_at",
    foreign_keys={"customer_id": "customers"},
    columns=(
        _c("ticket_id", "text"),
        _c("customer_id", "text"),
        _c("created_at", "timestamp"),
        _c("resolved_at", "timestamp", nullable=True),
        _c("category", "text"),
        _c("priority", "text"),
        _c("status", "text"),
        _c("satisfaction_score", "integer", nullable=True),
        _c("resolution_time_hours", "numeric(10,2)", nullable=True),
        _c("agent_id", "text"),
        _c("channel", "text"),
    ),
)

DATASETS = (
    CUSTOMERS,
    CUSTOMER_SEGMENT_CHANGES,
    PRODUCTS,
    ORDERS,
    ORDER_ITEMS,
    INVENTORY_MOVEMENTS,
    REVIEWS,
    SESSIONS,
    CLICKSTREAM_EVENTS,
    MARKETING_CAMPAIGNS,
    MARKETING_EVENTS,
    USER_INTERACTIONS,
    SUPPORT_TICKETS,
)
