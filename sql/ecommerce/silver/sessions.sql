with source as (
    select * from {{ source('sessions') }}
    where session_start >= {{ window_start }} and session_start < {{ window_end }}
),

customers as (
    select * from {{ ref('customers') }}
    where is_current
),

ranked as (
    select
        *,
        row_number() over (partition by session_id order by _loaded_at desc) as copy_number
    from source
),

final as (
    select
        ranked.session_id,
        ranked.customer_id,
        ranked.session_start,
        ranked.session_end,
        ranked.device_type,
        ranked.browser,
        ranked.city,
        ranked.device_info,
        case
            when ranked.copy_number > 1 then 'duplicate session_id'
            when ranked.session_end < ranked.session_start then 'ends before it starts'
            when ranked.customer_id is not null and customers.customer_id is null
                then 'unknown customer_id'
        end as reject_reason
    from ranked
    left join customers on ranked.customer_id = customers.customer_id
)

select * from final
