with campaigns as (
    select * from {{ ref('marketing_campaigns') }}
),

events as (
    select * from {{ ref('marketing_events') }}
),

per_campaign as (
    select
        campaign_id,
        count(*) filter (where event_type = 'impression') as impressions,
        count(*) filter (where event_type = 'click') as clicks,
        count(*) filter (where event_type = 'conversion') as conversions,
        round(coalesce(sum(cost), 0), 2) as cost,
        coalesce(sum(revenue), 0) as revenue,
        min(event_date) as first_event_at,
        max(event_date) as last_event_at
    from events
    group by campaign_id
),

final as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.start_date,
        campaigns.end_date,
        campaigns.budget,
        per_campaign.first_event_at,
        per_campaign.last_event_at,
        coalesce(per_campaign.impressions, 0) as impressions,
        coalesce(per_campaign.clicks, 0) as clicks,
        coalesce(per_campaign.conversions, 0) as conversions,
        round(per_campaign.clicks::numeric / nullif(per_campaign.impressions, 0), 4) as ctr,
        round(per_campaign.conversions::numeric / nullif(per_campaign.clicks, 0), 4) as cvr,
        coalesce(per_campaign.cost, 0) as cost,
        coalesce(per_campaign.revenue, 0) as revenue,
        round(per_campaign.revenue / nullif(per_campaign.cost, 0), 4) as roas
    from campaigns
    left join per_campaign on campaigns.campaign_id = per_campaign.campaign_id
)

select * from final
