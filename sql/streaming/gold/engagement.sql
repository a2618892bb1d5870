-- grain: one row per customer with at least one session (the seed's engagement_view)
with usage_logs as (
    select * from silver.streaming_usage_logs
),

customers as (
    select * from silver.streaming_customers
),

per_customer as (
    select
        customer_id,
        avg(duration_watched) as avg_watch_minutes,
        avg(completion_rate) as avg_completion_rate,
        count(*) as total_sessions
    from usage_logs
    group by customer_id
),

-- the report's column order is the seed's, so calculations sit between plain columns
final as (
    select  -- noqa: ST06
        customers.customer_id,
        customers.name,
        round(per_customer.avg_watch_minutes, 2) as avg_watch_minutes_per_session,
        round(per_customer.avg_completion_rate, 4) as avg_completion_rate,
        per_customer.total_sessions
    from per_customer
    inner join customers on per_customer.customer_id = customers.customer_id
)

select * from final
order by total_sessions desc, customer_id asc
