with daily_usage as (
    select * from {{ published('daily_usage') }}
),

final as (
    select
        plan_name,
        replace(device, '_', ' ') as device,
        sum(count_sessions) as count_sessions,
        min(min(usage_date)) over () as first_day,
        max(max(usage_date)) over () as last_day
    from daily_usage
    group by plan_name, device
)

select * from final
order by array_position({{ plans_by_price }}, plan_name), device
