with source as (
    select * from {{ source('order_items') }}
    where order_date >= {{ window_start }} and order_date < {{ window_end }}
),

orders as (
    select * from {{ ref('orders') }}
    where order_day >= {{ window_start }} and order_day < {{ window_end }}
),

products as (
    select * from {{ ref('products') }}
),

ranked as (
    select
        *,
        row_number() over (partition by order_item_id order by _loaded_at desc) as copy_number
    from source
),

final as (
    select
        ranked.order_item_id,
        ranked.order_id,
        ranked.order_date,
        ranked.product_id,
        ranked.quantity,
        ranked.unit_price,
        ranked.line_total,
        orders.customer_id,
        coalesce(products.category, ranked.category) as category,
        ranked.category != coalesce(products.category, ranked.category) as category_was_mismatched,
        case
            when ranked.copy_number > 1 then 'duplicate order_item_id'
            when orders.order_id is null then 'order not valid in silver'
            when products.product_id is null then 'product not valid in silver'
            when ranked.quantity <= 0 then 'non-positive quantity'
            when ranked.line_total != round(ranked.quantity * ranked.unit_price, 2)
                then 'line_total is not quantity x unit_price'
        end as reject_reason
    from ranked
    left join orders on ranked.order_id = orders.order_id
    left join products on ranked.product_id = products.product_id
)

select * from final
