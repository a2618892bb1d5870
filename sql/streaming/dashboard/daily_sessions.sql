-- Each plan on every day gold holds: 0 where the day had none of its sessions, not a gap.
with daily_usage as (
    select * from {{ published('daily_usage') }}
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
