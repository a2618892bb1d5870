with source as (
    select * from {{ source('plans') }}
),

ranked as (
    select
        *,
        row_number() over (partition by plan_id order by _loaded_at desc) as copy_number
    from source
),

final as (
    select
        plan_id,
        plan_name,
        monthly_price,
        max_streams,
        video_quality,
        case
            when copy_number > 1 then 'duplicate plan_id'
            when monthly_price <= 0 then 'non-positive monthly_price'
        end as reject_reason
    from ranked
)

select * from final
