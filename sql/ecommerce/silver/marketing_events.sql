with source as (
    select * from {{ source('marketing_events') }}
    where event_date >= {{ window_start }} and event_date < {{ window_end }}
),

campaigns as (
    select * from {{ ref('marketing_campaigns') }}
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
        ranked.campaign_id,
        ranked.event_date,
        ranked.event_type,
        ranked.user_id,
        ranked.cost,
        ranked.revenue,
        ranked.device_type,
        ranked.browser,
        ranked.location,
        case
            when ranked.copy_number > 1 then 'duplicate event_id'
            when campaigns.campaign_id is null then 'unknown campaign_id'
            when ranked.event_date::date not between campaigns.start_date and campaigns.end_date
                then 'outside its campaign'
            when ranked.event_type not in ('impression', 'click', 'conversion')
                then 'unknown event_type'
        end as reject_reason
    from ranked
    left join campaigns on ranked.campaign_id = campaigns.campaign_id
)

select * from final
