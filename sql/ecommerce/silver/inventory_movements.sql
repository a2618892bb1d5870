with source as (
    select * from {{ source('inventory_movements') }}
    where movement_date >= {{ window_start }} and movement_date < {{ window_end }}
),

products as (
    select * from {{ ref('products') }}
),

ranked as (
    select
        *,
        row_number() over (partition by movement_id order by _loaded_at desc) as copy_number
    from source
),

final as (
    select
        ranked.movement_id,
        ranked.product_id,
        ranked.movement_type,
        ranked.quantity,
        ranked.movement_date,
        ranked.reference_id,
        case
            when ranked.copy_number > 1 then 'duplicate movement_id'
            when products.product_id is null then 'product not valid in silver'
            when ranked.movement_type not in ('sale', 'return', 'restock', 'adjustment')
                then 'unknown movement_type'
        end as reject_reason
    from ranked
    left join products on ranked.product_id = products.product_id
)

select * from final
