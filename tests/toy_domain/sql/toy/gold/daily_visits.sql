-- Visits, visitors and pages per day and region, rebuilt for the run's days only.
with visits as (
    select * from {{ ref('visits') }}
    where visit_date >= {{ window_start }} and visit_date < {{ window_end }}
),

final as (
    select
        visit_date,
        region,
        count(*) as count_visits,
        count(distinct customer_id) as count_visitors,
        sum(pages) as count_pages
    from visits
    group by visit_date, region
)

select * from final
