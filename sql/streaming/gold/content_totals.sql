-- All-time totals per title, kept by adding the run's days and taking out what the same days
-- held before; a viewer counts when their sessions on the title go from none to some.
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
        content_id,
        customer_id,
        duration_watched,
        completion_rate,
        1 as sign
    from usage_logs
    union all
    select
        content_id,
        customer_id,
        duration_watched,
        completion_rate,
        -1 as sign
    from replaced
),

per_pair as (
    select
        content_id,
        customer_id,
        sum(sign) as count_sessions,
        sum(sign * duration_watched) as minutes_watched,
        sum(sign * completion_rate) as completion_total
    from signed
    group by content_id, customer_id
),

with_before as (
    select
        per_pair.*,
        coalesce(viewers.count_sessions, 0) as sessions_before
    from per_pair
    left join {{ published('content_viewers') }} as viewers
        on
            per_pair.content_id = viewers.content_id
            and per_pair.customer_id = viewers.customer_id
),

per_content as (
    select
        content_id,
        sum(count_sessions)::bigint as count_sessions,
        sum(minutes_watched) as minutes_watched,
        sum(completion_total) as completion_total,
        count(*) filter (
            where sessions_before = 0 and sessions_before + count_sessions > 0
        ) - count(*) filter (
            where sessions_before > 0 and sessions_before + count_sessions = 0
        ) as count_viewers
    from with_before
    group by content_id
),

final as (
    select
        per_content.content_id,
        coalesce(previous.count_sessions, 0) + per_content.count_sessions as count_sessions,
        coalesce(previous.minutes_watched, 0) + per_content.minutes_watched as minutes_watched,
        coalesce(previous.completion_total, 0)
        + per_content.completion_total as completion_total,
        coalesce(previous.count_viewers, 0) + per_content.count_viewers as count_viewers
    from per_content
    left join {{ this }} as previous on per_content.content_id = previous.content_id
)
{% else %}
final as (
    select
        content_id,
        count(*) as count_sessions,
        sum(duration_watched) as minutes_watched,
        sum(completion_rate) as completion_total,
        count(distinct customer_id) as count_viewers
    from usage_logs
    group by content_id
)
{% endif %}

select * from final
