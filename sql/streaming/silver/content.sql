with source as (
    select * from {{ source('content') }}
),

ranked as (
    select
        *,
        row_number() over (partition by content_id order by _loaded_at desc) as copy_number
    from source
),

final as (
    select
        content_id,
        duration_minutes,
        release_date,
        trim(title) as title,
        lower(genre) as genre,
        case
            when copy_number > 1 then 'duplicate content_id'
            when lower(genre) not in ('movie', 'music', 'podcast') then 'unknown genre'
            when duration_minutes <= 0 then 'non-positive duration_minutes'
        end as reject_reason
    from ranked
)

select * from final
