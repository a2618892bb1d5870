-- All-time totals per customer, kept by adding the run's days and taking out what the same
-- days held before.
with usage_logs as (
    select * from {{ ref('usage_logs') }}
    where usage_date >= {{ window_start }} and usage_date < {{ window_end }}
),

{% if is_incremental() %}
replaced as (
    select * from {{ published('usage_logs') }}
    where usage_date >= {{ window_start }} and usage_date < {{ window_end }}
),

signed as (
    select
        customer_id,
        duration_watched,
        completion_rate,
        1 as sign
    from usage_logs
    union all
    select
        customer_id,
        duration_watched,
        completion_rate,
        -1 as sign
    from replaced
),

per_customer as (
    select
        customer_id,
        sum(sign) as count_sessions,
        sum(sign * duration_watched) as minutes_watched,
        sum(sign * completion_rate) as completion_total
    from signed
    group by customer_id
),

final as (
    select
        per_customer.customer_id,
        coalesce(previous.count_sessions, 0) + per_customer.count_sessions as count_sessions,
        coalesce(previous.minutes_watched, 0) + per_customer.minutes_watched as minutes_watched,
        coalesce(previous.completion_total, 0)
        + per_customer.completion_total as completion_total
    from per_customer
    left join {{ this }} as previous on per_customer.customer_id = previous.customer_id
)
{% else %}
final as (
    select
        customer_id,
        count(*) as count_sessions,
        sum(duration_watched) as minutes_watched,
        sum(completion_rate) as completion_total
    from usage_logs
    group by customer_id
)
{% endif %}

select * from final
