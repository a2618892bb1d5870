with customers as (
    select * from {{ source('customers') }}
),

changes as (
    select * from {{ source('customer_segment_changes') }}
),

ranked as (
    select
        *,
        row_number() over (partition by customer_id order by _loaded_at desc) as copy_number
    from customers
),

profiles as (
    select
        *,
        email ~ '{{ email_pattern }}' as has_valid_email,
        count(*) over (partition by lower(email)) > 1 as shares_email,
        -- a shared address belongs to the account that signed up with it first
        first_value(customer_id) over (
            partition by lower(email) order by signup_date, customer_id
        ) as email_owner
    from ranked
    where copy_number = 1
),

versions as (
    select
        customer_id,
        signup_date as valid_from,
        segment,
        loyalty_tier,
        null::text as reject_reason
    from profiles
    union all
    select
        changes.customer_id,
        changes.changed_at as valid_from,
        changes.segment,
        changes.loyalty_tier,
        case
            when profiles.customer_id is null then 'segment change of an unknown customer_id'
            when changes.changed_at <= profiles.signup_date then 'segment change before signup'
        end as reject_reason
    from changes
    left join profiles on changes.customer_id = profiles.customer_id
),

history as (
    select
        *,
        lead(valid_from) over (partition by customer_id order by valid_from) as valid_to
    from versions
    where reject_reason is null
),

duplicates as (
    select
        customer_id,
        signup_date as valid_from,
        segment,
        loyalty_tier,
        'duplicate customer_id' as reject_reason
    from ranked
    where copy_number > 1
    union all
    select * from versions
    where reject_reason is not null
),

final as (
    select
        history.customer_id,
        profiles.name,
        profiles.phone,
        profiles.signup_date,
        history.loyalty_tier,
        history.segment,
        profiles.total_lifetime_value,
        profiles.address_city,
        profiles.address_state,
        profiles.address_country,
        profiles.date_of_birth,
        profiles.gender,
        profiles.preferred_contact_method,
        profiles.preferences,
        profiles.has_valid_email,
        profiles.shares_email,
        history.valid_from,
        history.valid_to,
        history.reject_reason,
        case
            when profiles.has_valid_email and profiles.email_owner = profiles.customer_id
                then lower(profiles.email)
        end as email,
        case
            when profiles.email_owner != profiles.customer_id then profiles.email_owner
        end as duplicate_of,
        history.valid_to is null as is_current
    from history
    inner join profiles on history.customer_id = profiles.customer_id
    union all
    select
        customer_id,
        null as name,
        null as phone,
        null as signup_date,
        loyalty_tier,
        segment,
        null as total_lifetime_value,
        null as address_city,
        null as address_state,
        null as address_country,
        null as date_of_birth,
        null as gender,
        null as preferred_contact_method,
        null::jsonb as preferences,
        null as has_valid_email,
        null as shares_email,
        valid_from,
        null as valid_to,
        reject_reason,
        null as email,
        null as duplicate_of,
        null as is_current
    from duplicates
)

select * from final
