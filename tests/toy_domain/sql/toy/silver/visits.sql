-- Each visit of the run's days with its customer's region; a visit of an unknown customer is
-- rejected.
with visits as (
    select * from {{ source('visits') }}
    where visited_at >= {{ window_start }} and visited_at < {{ window_end }}
),

customers as (
    select * from {{ source('customers') }}
),

final as (
    select
        visits.visit_id,
        visits.customer_id,
        customers.region,
        visits.visited_at,
        visits.visited_at::date as visit_date,
        visits.pages,
        case
            when customers.customer_id is null then 'unknown customer_id'
        end as reject_reason
    from visits
    left join customers on visits.customer_id = customers.customer_id
)

select * from final
