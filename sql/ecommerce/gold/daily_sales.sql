with order_items as (
    select * from {{ ref('order_items') }}
    where order_date >= {{ window_start }} and order_date < {{ window_end }}
),

orders as (
    select * from {{ ref('orders') }}
    where order_day >= {{ window_start }} and order_day < {{ window_end }}
),

lines as (
    select
        orders.order_day,
        order_items.category,
        orders.region,
        orders.status,
        order_items.order_id,
        order_items.quantity,
        order_items.line_total
    from order_items
    inner join orders on order_items.order_id = orders.order_id
),

final as (
    select
        order_day,
        category,
        region,
        status,
        count(distinct order_id) as count_orders,
        sum(quantity) as units,
        sum(line_total) as revenue,
        round(sum(line_total) / count(distinct order_id), 2) as avg_order_value
    from lines
    group by order_day, category, region, status
)

select * from final
