with source as (
    select * from {{ source('clickstream_events') }}
    where event_timestamp >= {{ window_start }} and event_timestamp < {{ window_end }}
),

sessions as (
    select * from {{ ref('sessions') }}
    where session_start >= {{ window_start }} and session_start < {{ window_end }}
),

ranked as (
    select
        *,
        row_number() over (partition by event_id order by _loaded_at desc) as copy_number
    from source
),

final as (
    select
        ranked.event_id,
        ranked.session_id,
        ranked.customer_id,
        ranked.event_type,
        ranked.event_timestamp,
        ranked.product_id,
        ranked.device_type,
        ranked.page_url,
        case
            when ranked.copy_number > 1 then 'duplicate event_id'
            when sessions.session_id is null then 'session not valid in silver'
            when
                ranked.event_timestamp < sessions.session_start
                or ranked.event_timestamp > sessions.session_end
                then 'outside its session'
        end as reject_reason
    from ranked
    left join sessions on ranked.session_id = sessions.session_id
)

select * from final
