with source as (
    select * from {{ source('reviews') }}
    where review_date >= {{ window_start }} and review_date < {{ window_end }}
),

order_items as (
    select * from {{ ref('order_items') }}
    -- reviews come at most 30 days after their order
    where order_date >= {{ window_start }} - interval '31 days' and order_date < {{ window_end }}
),

ranked as (
    select
        *,
        row_number() over (partition by review_id order by _loaded_at desc) as copy_number
    from source
),

purchases as (
    select
        order_id,
        product_id,
        customer_id,
        min(order_date) as ordered_at
    from order_items
    group by order_id, product_id, customer_id
),

final as (
    select
        ranked.review_id,
        ranked.order_id,
        ranked.product_id,
        ranked.customer_id,
        ranked.rating,
        ranked.review_text,
        ranked.review_date,
        ranked.verified_purchase,
        case
            when ranked.copy_number > 1 then 'duplicate review_id'
            when purchases.order_id is null then 'no valid order of this product by this customer'
            when ranked.review_date <= purchases.ordered_at then 'reviewed before the order'
            when ranked.rating not between 1 and 5 then 'rating outside 1-5'
        end as reject_reason
    from ranked
    left join purchases
        on
            ranked.order_id = purchases.order_id
            and ranked.product_id = purchases.product_id
            and ranked.customer_id = purchases.customer_id
)

select * from final
