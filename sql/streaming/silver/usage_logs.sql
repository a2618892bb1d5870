with source as (
    select * from {{ source('usage_logs') }}
    where session_start >= {{ window_start }} and session_start < {{ window_end }}
),

subscriptions as (
    select * from {{ ref('subscriptions') }}
),

content as (
    select * from {{ ref('content') }}
),

ranked as (
    select
        *,
        row_number() over (partition by usage_id order by _loaded_at desc) as copy_number
    from source
),

final as (
    select
        ranked.usage_id,
        ranked.customer_id,
        ranked.subscription_id,
        ranked.content_id,
        ranked.session_start,
        ranked.session_start::date as usage_date,
        ranked.device,
        ranked.duration_watched,
        ranked.completion_rate,
        case
            when ranked.copy_number > 1 then 'duplicate usage_id'
            when content.content_id is null then 'unknown content_id'
            when subscriptions.subscription_id is null then 'unknown subscription_id'
            when subscriptions.customer_id != ranked.customer_id
                then 'subscription of another customer'
            when
                ranked.session_start::date < subscriptions.start_date
                or ranked.session_start::date > coalesce(subscriptions.end_date, 'infinity')
                then 'outside its subscription'
            when
                ranked.duration_watched
                < {{ min_watched }} * content.duration_minutes - {{ watched_rounding }}
                or ranked.duration_watched > content.duration_minutes
                then 'duration_watched outside 25-100% of the content'
            when
                ranked.completion_rate
                not between {{ completion_min }} and {{ completion_max }}
                then 'completion_rate outside [0.05, 1]'
        end as reject_reason
    from ranked
    left join subscriptions on ranked.subscription_id = subscriptions.subscription_id
    left join content on ranked.content_id = content.content_id
)

select * from final
