with products as (
    select * from {{ ref('products') }}
),

interactions as (
    select * from {{ ref('user_interactions') }}
),

order_items as (
    select * from {{ ref('order_items') }}
),

reviews as (
    select * from {{ ref('reviews') }}
),

signals as (
    select
        product_id,
        count(*) filter (where interaction_type = 'view') as views,
        count(*) filter (where interaction_type = 'cart') as carts,
        count(*) filter (where interaction_type = 'purchase') as purchases,
        count(*) filter (where interaction_type = 'wishlist') as wishlists,
        count(*) filter (where interaction_type = 'rating') as ratings,
        avg(rating) as avg_interaction_rating,
        count(distinct user_id) as unique_users
    from interactions
    group by product_id
),

sales as (
    select
        product_id,
        sum(quantity) as units_sold,
        sum(line_total) as revenue
    from order_items
    group by product_id
),

review_stats as (
    select
        product_id,
        count(*) as count_reviews,
        avg(rating) as avg_review_rating
    from reviews
    group by product_id
),

final as (
    select
        products.product_id,
        products.category,
        products.price,
        products.is_active,
        coalesce(signals.views, 0) as views,
        coalesce(signals.carts, 0) as carts,
        coalesce(signals.purchases, 0) as purchases,
        coalesce(signals.wishlists, 0) as wishlists,
        coalesce(signals.ratings, 0) as ratings,
        round(signals.avg_interaction_rating, 3) as avg_interaction_rating,
        coalesce(signals.unique_users, 0) as unique_users,
        coalesce(review_stats.count_reviews, 0) as count_reviews,
        round(review_stats.avg_review_rating, 3) as avg_review_rating,
        coalesce(sales.units_sold, 0) as units_sold,
        coalesce(sales.revenue, 0) as revenue,
        rank() over (
            order by coalesce(signals.views, 0) + coalesce(sales.units_sold, 0) desc
        ) as popularity_rank
    from products
    left join signals on products.product_id = signals.product_id
    left join sales on products.product_id = sales.product_id
    left join review_stats on products.product_id = review_stats.product_id
)

select * from final
