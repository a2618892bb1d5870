with source as (
    select * from {{ source('marketing_campaigns') }}
),

-- the data's last day: campaigns past their end by then are completed, whatever bronze
-- (written as at each campaign's start) says
as_of as (
    select max(event_date)::date as last_day
    from {{ source('marketing_events') }}
    where event_date >= (select max(source.start_date) from source)
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
        owner,
        case
            when end_date < (select as_of.last_day from as_of) then 'completed' else status
        end as status,
        case
            when copy_number > 1 then 'duplicate campaign_id'
            when end_date < start_date then 'ends before it starts'
        end as reject_reason
    from ranked
)

select * from final
