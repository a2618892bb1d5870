with source as (
    select * from {{ source('user_interactions') }}
    where interaction_timestamp >= {{ window_start }} and interaction_timestamp < {{ window_end }}
),

products as (
    select * from {{ ref('products') }}
),

ranked as (
    select
        *,
        row_number() over (partition by interaction_id order by _loaded_at desc) as copy_number
    from source
),

final as (
    select
        ranked.interaction_id,
        ranked.user_id,
        ranked.product_id,
        ranked.interaction_type,
        ranked.interaction_timestamp,
        ranked.rating,
        ranked.session_id,
        ranked.duration_seconds,
        ranked.referrer,
        ranked.device_type,
        case
            when ranked.copy_number > 1 then 'duplicate interaction_id'
            when products.product_id is null then 'product not valid in silver'
            when (ranked.interaction_type = 'rating') != (ranked.rating is not null)
                then 'rating without a rating interaction'
        end as reject_reason
    from ranked
    left join products on ranked.product_id = products.product_id
)

select * from final
