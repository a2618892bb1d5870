-- Seed 003's load validation figures after silver: orphans and invalid totals must be 0.
select
    'customers (current)' as figure,
    count(*)::text as value
from {{ ref('customers') }}
where is_current
union all
select
    'orders' as figure,
    count(*)::text as value
from {{ ref('orders') }}
union all
select
    'order items' as figure,
    count(*)::text as value
from {{ ref('order_items') }}
union all
select
    'orphan orders (should be 0)' as figure,
    count(*)::text as value
from {{ ref('orders') }} as orders
where
    not exists (
        select 1 from {{ ref('customers') }} as customers
        where customers.customer_id = orders.customer_id
    )
union all
select
    'invalid order totals (should be 0)' as figure,
    count(*)::text as value
from {{ ref('orders') }}
where total_amount < 0
union all
select
    'order date range' as figure,
    min(order_date)::date || ' to ' || max(order_date)::date as value
from {{ ref('orders') }}
