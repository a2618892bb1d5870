-- The seed's engagement_view: its columns, the most active customers first.
with totals as (
    select * from {{ ref('customer_totals') }}
    where count_sessions > 0
),

customers as (
    select * from {{ ref('customers') }}
),

-- the report's column order is the seed's, so calculations sit between plain columns
final as (
    select  -- noqa: ST06
        customers.customer_id,
        customers.name,
        round(totals.minutes_watched / totals.count_sessions, 2)
            as avg_watch_minutes_per_session,
        round(totals.completion_total / totals.count_sessions, 4) as avg_completion_rate,
        totals.count_sessions as total_sessions
    from totals
    inner join customers on totals.customer_id = customers.customer_id
)

select * from final
order by total_sessions desc, customer_id asc
