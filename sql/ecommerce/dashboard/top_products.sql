-- The 15 products that sold for most, all time. Their sales are the same order lines as
-- daily_sales', so its days are the days they cover.
with product_features as (
    select * from {{ published('product_features') }}
),

daily_sales as (
    select * from {{ published('daily_sales') }}
),

order_days as (
    select
        min(order_day) as first_day,
        max(order_day) as last_day
    from daily_sales
),

final as (
    select
        product_features.product_id,
        product_features.revenue,
        order_days.first_day,
        order_days.last_day,
        product_features.product_id
        || ' · ' || product_features.category
        || ' · $' || product_features.price as product
    from product_features
    cross join order_days
    where product_features.revenue > 0
)

select * from final
order by revenue desc, product_id asc
limit 15
