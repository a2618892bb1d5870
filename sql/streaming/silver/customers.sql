with source as (
    select * from {{ source('customers') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id order by _loaded_at desc
        ) as copy_number
    from source
),

final as (
    select
        customer_id,
        region,
        primary_device,
        signup_date,
        trim(name) as name,
        lower(trim(email)) as email,
        case
            when copy_number > 1 then 'duplicate customer_id'
            when email !~ '{{ email_pattern }}' then 'invalid email'
        end as reject_reason
    from ranked
)

select * from final
