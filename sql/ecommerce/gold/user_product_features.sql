with interactions as (
    select * from {{ ref('user_interactions') }}
),

order_items as (
    select * from {{ ref('order_items') }}
),

signals as (
    select
        user_id,
        product_id,
        count(*) filter (where interaction_type = 'view') as views,
        count(*) filter (where interaction_type = 'cart') as carts,
        count(*) filter (where interaction_type = 'purchase') as purchases,
        count(*) filter (where interaction_type = 'wishlist') as wishlists,
        max(rating) as best_rating,
        coalesce(sum(duration_seconds), 0) as view_seconds,
        min(interaction_timestamp) as first_interaction_at,
        max(interaction_timestamp) as last_interaction_at
    from interactions
    group by user_id, product_id
),

bought as (
    select distinct
        customer_id as user_id,
        product_id
    from order_items
),

final as (
    select
        signals.user_id,
        signals.product_id,
        signals.views,
        signals.carts,
        signals.purchases,
        signals.wishlists,
        signals.best_rating,
        signals.view_seconds,
        signals.first_interaction_at,
        signals.last_interaction_at,
        bought.user_id is not null as has_ordered
    from signals
    left join bought
        on signals.user_id = bought.user_id and signals.product_id = bought.product_id
)

select * from final
