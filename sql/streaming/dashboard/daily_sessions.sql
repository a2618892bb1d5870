-- Each plan on every one of the last 180 days gold holds: 0 where the day had none of its
-- sessions, not a gap. A line of half a year stays readable (and under the dashboard's row
-- limit) however long the history grows; the data table lists the same days.
with daily_usage as (
    select held.*
    from {{ published('daily_usage') }} as held
    where
        held.usage_date
        > (select max(latest.usage_date) from {{ published('daily_usage') }} as latest) - 180
),

days as (
    select distinct usage_date from daily_usage
),

plans as (
    select distinct plan_name from daily_usage
),

per_day as (
    select
        usage_date,
        plan_name,
        sum(count_sessions) as count_sessions
    from daily_usage
    group by usage_date, plan_name
),

final as (
    select
        days.usage_date,
        plans.plan_name,
        coalesce(per_day.count_sessions, 0) as count_sessions,
        min(days.usage_date) over () as first_day,
        max(days.usage_date) over () as last_day
    from days
    cross join plans
    left join per_day
        on days.usage_date = per_day.usage_date and plans.plan_name = per_day.plan_name
)

select * from final
order by array_position({{ plans_by_price }}, plan_name), usage_date
