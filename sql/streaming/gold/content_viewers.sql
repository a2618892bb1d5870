-- All-time sessions per content and customer, kept by adding the run's days and taking out
-- what the same days held before: unique viewers cannot be summed from daily counts.
with usage_logs as (
    select * from {{ ref('usage_logs') }}
    where usage_date >= {{ window_start }} and usage_date < {{ window_end }}
),

{% if is_incremental() %}
replaced as (
    select * from {{ published('usage_logs') }}
    where usage_date >= {{ window_start }} and usage_date < {{ window_end }}
),

changes as (
    select
        content_id,
        customer_id,
        count(*) as count_sessions
    from usage_logs
    group by content_id, customer_id
    union all
    select
        content_id,
        customer_id,
        -count(*) as count_sessions
    from replaced
    group by content_id, customer_id
),

per_pair as (
    select
        content_id,
        customer_id,
        sum(count_sessions)::bigint as count_sessions
    from changes
    group by content_id, customer_id
),

final as (
    select
        per_pair.content_id,
        per_pair.customer_id,
        coalesce(previous.count_sessions, 0) + per_pair.count_sessions as count_sessions
    from per_pair
    left join {{ this }} as previous
        on
            per_pair.content_id = previous.content_id
            and per_pair.customer_id = previous.customer_id
)
{% else %}
final as (
    select
        content_id,
        customer_id,
        count(*) as count_sessions
    from usage_logs
    group by content_id, customer_id
)
{% endif %}

select * from final
