-- The seed's top_content_view: its columns, most watched first.
with totals as (
    select * from {{ ref('content_totals') }}
    where count_sessions > 0
),

content as (
    select * from {{ ref('content') }}
),

-- the report's column order is the seed's, so calculations sit between plain columns
final as (
    select  -- noqa: ST06
        content.content_id,
        content.title,
        content.genre,
        round(totals.minutes_watched / 60, 2) as total_watch_hours,
        totals.count_viewers as unique_viewers,
        round(totals.completion_total / totals.count_sessions, 4) as avg_completion_rate
    from totals
    inner join content on totals.content_id = content.content_id
)

select * from final
order by total_watch_hours desc, content_id asc
