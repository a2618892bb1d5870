-- Each status on every one of the last 180 days gold holds: $0 where the day had no such
-- orders, not a gap. A line of half a year stays readable (and under the dashboard's row
-- limit) however long the history grows; the data table lists the same days.
with daily_sales as (
    select held.*
    from {{ published('daily_sales') }} as held
    where
        held.order_day
        > (select max(latest.order_day) from {{ published('daily_sales') }} as latest) - 180
),

days as (
    select distinct order_day from daily_sales
),

statuses as (
    select distinct status from daily_sales
),

per_day as (
    select
        order_day,
        status,
        sum(revenue) as revenue
    from daily_sales
    group by order_day, status
),

final as (
    select
        days.order_day,
        statuses.status,
        coalesce(per_day.revenue, 0) as revenue,
        min(days.order_day) over () as first_day,
        max(days.order_day) over () as last_day
    from days
    cross join statuses
    left join per_day
        on days.order_day = per_day.order_day and statuses.status = per_day.status
)

select * from final
order by array_position(array['completed', 'pending', 'cancelled'], status), order_day
