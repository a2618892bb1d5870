-- Seed 003's load validation figures, printed after the bronze load (faults still present).
select
    'customers' as figure,
    count(*)::text as value
from {{ source('customers') }}
union all
select
    'orders' as figure,
    count(*)::text as value
from {{ source('orders') }}
union all
select
    'order items' as figure,
    count(*)::text as value
from {{ source('order_items') }}
union all
select
    'orphan orders (unknown customer)' as figure,
    count(*)::text as value
from {{ source('orders') }} as orders
where
    not exists (
        select 1 from {{ source('customers') }} as customers
        where customers.customer_id = orders.customer_id
    )
union all
select
    'invalid order totals (negative)' as figure,
    count(*)::text as value
from {{ source('orders') }}
where total_amount < 0
union all
select
    'order date range' as figure,
    min(order_date)::date || ' to ' || max(order_date)::date as value
from {{ source('orders') }}
