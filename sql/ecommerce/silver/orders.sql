with source as (
    select * from {{ source('orders') }}
    where order_date >= {{ window_start }} and order_date < {{ window_end }}
),

customers as (
    select * from {{ ref('customers') }}
    where is_current
),

ranked as (
    select
        *,
        row_number() over (
            partition by order_id order by _loaded_at desc, _source_file asc
        ) as copy_number
    from source
),

final as (
    select
        ranked.order_id,
        ranked.customer_id,
        ranked.order_date,
        ranked.region,
        ranked.status,
        ranked.item_count,
        ranked.subtotal,
        ranked.tax_amount,
        ranked.shipping_cost,
        ranked.total_amount,
        ranked.shipping_address,
        ranked.order_date::date as order_day,
        coalesce(ranked.discount_amount, 0) as discount_amount,
        ranked.discount_amount is null as discount_was_missing,
        case
            when ranked.copy_number > 1 then 'duplicate order_id'
            when ranked.total_amount < 0 then 'negative total_amount'
            when customers.customer_id is null then 'unknown customer_id'
            when ranked.order_date::date <= customers.signup_date then 'ordered before signup'
            when ranked.status not in {{ order_statuses }} then 'unknown status'
        end as reject_reason
    from ranked
    left join customers on ranked.customer_id = customers.customer_id
)

select * from final
