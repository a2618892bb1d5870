with usage_logs as (
    select * from {{ ref('usage_logs') }}
    where usage_date >= {{ window_start }} and usage_date < {{ window_end }}
),

subscriptions as (
    select * from {{ ref('subscriptions') }}
),

plans as (
    select * from {{ ref('plans') }}
),

final as (
    select
        usage_logs.usage_date,
        plans.plan_name,
        usage_logs.device,
        count(*) as count_sessions,
        count(distinct usage_logs.customer_id) as count_viewers,
        sum(usage_logs.duration_watched) as minutes_watched,
        sum(usage_logs.completion_rate) as completion_total
    from usage_logs
    inner join subscriptions
        on usage_logs.subscription_id = subscriptions.subscription_id
    inner join plans on subscriptions.plan_id = plans.plan_id
    group by usage_logs.usage_date, plans.plan_name, usage_logs.device
)

select * from final
