with source as (
    select * from {{ source('products') }}
),

ranked as (
    select
        *,
        row_number() over (partition by product_id order by _loaded_at desc) as copy_number
    from source
),

final as (
    select
        product_id,
        product_name,
        category,
        subcategory,
        brand,
        price,
        cost,
        margin_pct,
        stock_quantity,
        supplier_id,
        created_at,
        is_active,
        rating_avg,
        review_count,
        attributes,
        case
            when copy_number > 1 then 'duplicate product_id'
            when margin_pct < 0 then 'negative margin_pct'
            when price <= 0 then 'non-positive price'
        end as reject_reason
    from ranked
)

select * from final
