with source as (
    select * from {{ source('subscriptions') }}
),

customers as (
    select * from {{ ref('customers') }}
),

plans as (
    select * from {{ ref('plans') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by subscription_id order by _loaded_at desc
        ) as copy_number
    from source
),

final as (
    select
        ranked.subscription_id,
        ranked.customer_id,
        ranked.plan_id,
        ranked.start_date,
        ranked.end_date,
        case
            when ranked.copy_number > 1 then 'duplicate subscription_id'
            when customers.customer_id is null then 'unknown customer_id'
            when plans.plan_id is null then 'unknown plan_id'
            when ranked.start_date < customers.signup_date then 'starts before signup'
            when ranked.end_date < ranked.start_date then 'ends before it starts'
        end as reject_reason
    from ranked
    left join customers on ranked.customer_id = customers.customer_id
    left join plans on ranked.plan_id = plans.plan_id
)

select * from final
