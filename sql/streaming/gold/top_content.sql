-- grain: one row per content_id watched at least once, most watched first
-- (the seed's top_content_view)
with usage_logs as (
    select * from silver.streaming_usage_logs
),

content as (
    select * from silver.streaming_content
),

per_content as (
    select
        content_id,
        sum(duration_watched) as minutes_watched,
        count(distinct customer_id) as unique_viewers,
        avg(completion_rate) as avg_completion_rate
    from usage_logs
    group by content_id
),

-- the report's column order is the seed's, so calculations sit between plain columns
final as (
    select  -- noqa: ST06
        content.content_id,
        content.title,
        content.genre,
        round(per_content.minutes_watched / 60, 2) as total_watch_hours,
        per_content.unique_viewers,
        round(per_content.avg_completion_rate, 4) as avg_completion_rate
    from per_content
    inner join content on per_content.content_id = content.content_id
)

select * from final
order by total_watch_hours desc, content_id asc
