with source as (
    select * from {{ source('support_tickets') }}
    where created_at >= {{ window_start }} and created_at < {{ window_end }}
),

customers as (
    select * from {{ ref('customers') }}
    where is_current
),

ranked as (
    select
        *,
        row_number() over (partition by ticket_id order by _loaded_at desc) as copy_number
    from source
),

final as (
    select
        ranked.ticket_id,
        ranked.customer_id,
        ranked.created_at,
        ranked.resolved_at,
        ranked.category,
        ranked.priority,
        ranked.status,
        ranked.satisfaction_score,
        ranked.resolution_time_hours,
        ranked.agent_id,
        ranked.channel,
        case
            when ranked.copy_number > 1 then 'duplicate ticket_id'
            when customers.customer_id is null then 'unknown customer_id'
            when ranked.resolved_at < ranked.created_at then 'resolved before it was created'
        end as reject_reason
    from ranked
    left join customers on ranked.customer_id = customers.customer_id
)

select * from final
