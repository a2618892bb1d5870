with source as (
    select * from {{ source('marketing_campaigns') }}
),

ranked as (
    select
        *,
        row_number() over (partition by campaign_id order by _loaded_at desc) as copy_number
    from source
),

final as (
    select
        campaign_id,
        campaign_name,
        channel,
        start_date,
        end_date,
        budget,
        target_audience,
        objective,
        status,
        owner,
        case
            when copy_number > 1 then 'duplicate campaign_id'
            when end_date < start_date then 'ends before it starts'
        end as reject_reason
    from ranked
)

select * from final
