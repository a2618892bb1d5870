with customer_360 as (
    select * from {{ published('customer_360') }}
),

final as (
    select
        loyalty_tier,
        replace(segment, '_', ' ') as segment,
        count(*) as count_customers,
        sum(count(*)) over (partition by segment) as segment_customers,
        min(min(signup_date)) over () as first_day,
        max(max(signup_date)) over () as last_day
    from customer_360
    group by segment, loyalty_tier
)

select * from final
order by
    segment_customers desc,
    segment asc,
    array_position({{ loyalty_tiers }}, loyalty_tier) asc
