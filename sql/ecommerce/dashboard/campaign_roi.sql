-- The 12 campaigns that spent most; their figures cover the days of the events counted.
with campaign_performance as (
    select * from {{ published('campaign_performance') }}
),

biggest as (
    select * from campaign_performance
    where cost > 0
    order by cost desc, campaign_id asc
    limit 12
),

event_days as (
    select
        min(first_event_at)::date as first_day,
        max(last_event_at)::date as last_day
    from biggest
),

final as (
    select
        biggest.campaign_id,
        biggest.roas,
        event_days.first_day,
        event_days.last_day,
        biggest.campaign_name || ' · ' || biggest.channel as campaign
    from biggest
    cross join event_days
)

select * from final
order by roas desc, campaign_id asc
