-- The 15 titles watched longest, all time. Their totals are kept from the same sessions as
-- daily_usage, so its days are the days they cover.
with top_content as (
    select * from {{ published('top_content') }}
),

daily_usage as (
    select * from {{ published('daily_usage') }}
),

usage_days as (
    select
        min(usage_date) as first_day,
        max(usage_date) as last_day
    from daily_usage
),

most_watched as (
    select * from top_content
    order by total_watch_hours desc, content_id asc
    limit 15
),

-- two titles may share a name: then the label names the content too
labelled as (
    select
        content_id,
        total_watch_hours,
        title || ' · ' || genre || case
            when count(*) over (partition by title, genre) > 1 then ' #' || content_id
            else ''
        end as title
    from most_watched
),

final as (
    select
        labelled.content_id,
        labelled.title,
        labelled.total_watch_hours,
        usage_days.first_day,
        usage_days.last_day
    from labelled
    cross join usage_days
)

select * from final
order by total_watch_hours desc, content_id asc
