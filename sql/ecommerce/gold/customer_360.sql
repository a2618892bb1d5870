with customers as (
    select * from {{ ref('customers') }}
),

orders as (
    select * from {{ ref('orders') }}
),

tickets as (
    select * from {{ ref('support_tickets') }}
),

tier_history as (
    select
        customer_id,
        count(*) - 1 as count_tier_changes,
        (array_agg(loyalty_tier order by valid_from))[1] as first_loyalty_tier
    from customers
    group by customer_id
),

order_stats as (
    select
        customer_id,
        count(*) as count_orders,
        count(*) filter (where status = 'completed') as count_completed_orders,
        coalesce(sum(total_amount) filter (where status = 'completed'), 0) as lifetime_revenue,
        min(order_date) as first_order_at,
        max(order_date) as last_order_at
    from orders
    group by customer_id
),

ticket_stats as (
    select
        customer_id,
        count(*) as count_tickets,
        count(*) filter (where status in ('open', 'in_progress')) as count_open_tickets,
        avg(satisfaction_score) as avg_satisfaction
    from tickets
    group by customer_id
),

final as (
    select
        customers.customer_id,
        customers.name,
        customers.email,
        customers.signup_date,
        customers.loyalty_tier,
        customers.segment,
        tier_history.first_loyalty_tier,
        tier_history.count_tier_changes,
        customers.total_lifetime_value,
        order_stats.first_order_at,
        order_stats.last_order_at,
        coalesce(order_stats.count_orders, 0) as count_orders,
        coalesce(order_stats.count_completed_orders, 0) as count_completed_orders,
        coalesce(order_stats.lifetime_revenue, 0) as lifetime_revenue,
        coalesce(ticket_stats.count_tickets, 0) as count_tickets,
        coalesce(ticket_stats.count_open_tickets, 0) as count_open_tickets,
        round(ticket_stats.avg_satisfaction, 2) as avg_satisfaction
    from customers
    inner join tier_history on customers.customer_id = tier_history.customer_id
    left join order_stats on customers.customer_id = order_stats.customer_id
    left join ticket_stats on customers.customer_id = ticket_stats.customer_id
    where customers.is_current
)

select * from final
