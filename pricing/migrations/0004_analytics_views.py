"""The analytics schema's materialized views (review 4.1 and 1.2.6).

Each has a unique index, so it can be refreshed CONCURRENTLY (reads go on during the
refresh). All names are schema-qualified: the SQL means the same from psql or cron.
Money is converted into the base currency only where the row itself stores the FX rate
(inventory at purchase, orders at payout); market prices stay in their own currency.
"""

from django.db import migrations

OPEN_STATUSES = "('incoming', 'available', 'listed', 'reserved')"
SOLD_ORDER = "o.status NOT IN ('cancelled', 'returned')"

PROFIT_OPPORTUNITIES = """
CREATE MATERIALIZED VIEW analytics.profit_opportunities_mv AS
WITH sized AS (
    SELECT ps.id, ps.product_id, s.standardized_value AS standardized_size, ps.source_type,
           ps.source_name, ps.price_type, ps.price_cents, ps.currency, ps.in_stock,
           COALESCE(NULLIF(ps.affiliate_link, ''), ps.source_url) AS url
    FROM integration.price_sources ps
    JOIN products.sizes s ON s.id = ps.size_id
    WHERE s.standardized_value IS NOT NULL
),
best_retail AS (
    -- The cheapest in-stock retail offer per product, EU size and currency.
    SELECT DISTINCT ON (product_id, standardized_size, currency)
           product_id, standardized_size, currency, id AS retail_price_source_id,
           price_cents AS retail_cents, source_name AS retail_source,
           source_type AS retail_source_type, url AS retail_url
    FROM sized
    WHERE price_type = 'retail' AND in_stock AND price_cents > 0
    ORDER BY product_id, standardized_size, currency, price_cents, id
),
resale AS (
    -- Per resale platform: the highest bid (sell now) and the lowest ask (list to sell).
    SELECT product_id, standardized_size, currency, source_type AS resale_source,
           max(price_cents) FILTER (WHERE price_type = 'highest_bid') AS highest_bid_cents,
           min(price_cents) FILTER (WHERE price_type = 'lowest_ask') AS lowest_ask_cents
    FROM sized
    WHERE price_type IN ('highest_bid', 'lowest_ask')
    GROUP BY product_id, standardized_size, currency, source_type
),
fees AS (
    -- Today's schedule for our region and seller level on each platform.
    SELECT p.code, p.seller_level, f.id AS fee_schedule_id, f.transaction_fee_bps,
           f.processing_fee_bps, f.fixed_fee_cents, f.minimum_fee_cents
    FROM platforms.platforms p
    JOIN platforms.fee_schedules f
      ON f.platform_id = p.id AND f.region = p.region AND f.seller_level = p.seller_level
     AND f.valid_from <= current_date AND (f.valid_to IS NULL OR f.valid_to > current_date)
)
SELECT md5(r.product_id::text || '|' || r.standardized_size::text || '|' || r.currency
           || '|' || x.resale_source)::uuid AS id,
       r.product_id, pr.brand_id, r.standardized_size, r.currency,
       r.retail_price_source_id, r.retail_cents, r.retail_source, r.retail_source_type, r.retail_url,
       x.resale_source, x.highest_bid_cents, x.lowest_ask_cents,
       f.fee_schedule_id, f.seller_level,
       bid.net_cents AS net_if_sold_now_cents,
       bid.net_cents - r.retail_cents AS profit_cents,
       round((bid.net_cents - r.retail_cents)::numeric * 10000 / r.retail_cents)::int AS roi_bps,
       ask.net_cents AS net_if_listed_cents,
       ask.net_cents - r.retail_cents AS profit_if_listed_cents,
       round((ask.net_cents - r.retail_cents)::numeric * 10000 / r.retail_cents)::int AS roi_if_listed_bps,
       now() AS refreshed_at
FROM best_retail r
JOIN resale x USING (product_id, standardized_size, currency)
JOIN products.products pr ON pr.id = r.product_id
LEFT JOIN fees f ON f.code = x.resale_source
-- Net proceeds = price - max(transaction fee, minimum) - processing - fixed, rounded half up
-- to cents (the same rule as FeeSchedule.fees_for). NULL without a fee schedule.
CROSS JOIN LATERAL (
    SELECT (x.highest_bid_cents
            - greatest(round(x.highest_bid_cents::numeric * f.transaction_fee_bps / 10000), f.minimum_fee_cents)
            - round(x.highest_bid_cents::numeric * f.processing_fee_bps / 10000)
            - f.fixed_fee_cents)::int AS net_cents
) bid
CROSS JOIN LATERAL (
    SELECT (x.lowest_ask_cents
            - greatest(round(x.lowest_ask_cents::numeric * f.transaction_fee_bps / 10000), f.minimum_fee_cents)
            - round(x.lowest_ask_cents::numeric * f.processing_fee_bps / 10000)
            - f.fixed_fee_cents)::int AS net_cents
) ask;
-- The refresh key (review 4.1's idx_profit_opps_mv_pk): one row per product, size, currency
-- and resale platform; best retail source is a column, not part of the key.
CREATE UNIQUE INDEX idx_profit_opps_mv_pk
    ON analytics.profit_opportunities_mv (product_id, standardized_size, currency, resale_source);
CREATE UNIQUE INDEX idx_profit_opps_mv_id ON analytics.profit_opportunities_mv (id);
-- "Top 100 for a brand by profit" (review 4.1 expectation: < 200 ms).
CREATE INDEX idx_profit_opps_mv_brand_profit
    ON analytics.profit_opportunities_mv (brand_id, profit_cents DESC NULLS LAST);
CREATE INDEX idx_profit_opps_mv_profit
    ON analytics.profit_opportunities_mv (profit_cents DESC NULLS LAST);
"""

BRAND_PERFORMANCE = f"""
CREATE MATERIALIZED VIEW analytics.brand_performance_mv AS
WITH catalog AS (
    SELECT brand_id, count(*) AS products_count FROM products.products GROUP BY brand_id
),
offers AS (
    SELECT p.brand_id,
           count(*) FILTER (WHERE ps.price_type = 'retail' AND ps.in_stock) AS retail_offers_in_stock,
           round(avg(ps.price_cents) FILTER (WHERE ps.price_type = 'retail'))::int AS avg_retail_cents,
           round(avg(ps.price_cents) FILTER (WHERE ps.price_type = 'highest_bid'))::int AS avg_highest_bid_cents
    FROM integration.price_sources ps JOIN products.products p ON p.id = ps.product_id
    GROUP BY p.brand_id
),
stock AS (
    SELECT p.brand_id, sum(i.quantity) AS units_in_stock,
           round(sum(COALESCE(i.purchase_price_cents, 0) * i.quantity * i.purchase_fx_rate))::bigint
               AS stock_cost_base_cents
    FROM products.inventory i JOIN products.products p ON p.id = i.product_id
    WHERE i.status IN {OPEN_STATUSES}
    GROUP BY p.brand_id
),
sales AS (
    SELECT p.brand_id, count(*) AS units_sold,
           round(sum(o.sale_price_cents * COALESCE(o.payout_fx_rate, 1)))::bigint AS revenue_base_cents,
           round(sum(o.net_proceeds_cents * COALESCE(o.payout_fx_rate, 1)))::bigint AS net_base_cents,
           round(sum(o.net_proceeds_cents * COALESCE(o.payout_fx_rate, 1)
                     - COALESCE(i.purchase_price_cents, 0) * i.purchase_fx_rate))::bigint AS profit_base_cents,
           round(avg(extract(epoch FROM o.sold_at - COALESCE(i.purchased_at, i.created_at)) / 86400), 1)
               AS avg_days_to_sell,
           count(*) FILTER (WHERE o.sold_at >= now() - interval '90 days') AS units_sold_90d
    FROM transactions.orders o
    JOIN products.inventory i ON i.id = o.inventory_id
    JOIN products.products p ON p.id = i.product_id
    WHERE {SOLD_ORDER}
    GROUP BY p.brand_id
)
SELECT b.id AS brand_id, b.name AS brand_name,
       COALESCE(c.products_count, 0) AS products_count,
       COALESCE(f.retail_offers_in_stock, 0) AS retail_offers_in_stock,
       f.avg_retail_cents, f.avg_highest_bid_cents,
       COALESCE(s.units_in_stock, 0) AS units_in_stock,
       COALESCE(s.stock_cost_base_cents, 0) AS stock_cost_base_cents,
       COALESCE(x.units_sold, 0) AS units_sold,
       COALESCE(x.units_sold_90d, 0) AS units_sold_90d,
       COALESCE(x.revenue_base_cents, 0) AS revenue_base_cents,
       COALESCE(x.net_base_cents, 0) AS net_base_cents,
       COALESCE(x.profit_base_cents, 0) AS profit_base_cents,
       x.avg_days_to_sell,
       now() AS refreshed_at
FROM core.brands b
LEFT JOIN catalog c ON c.brand_id = b.id
LEFT JOIN offers f ON f.brand_id = b.id
LEFT JOIN stock s ON s.brand_id = b.id
LEFT JOIN sales x ON x.brand_id = b.id;
CREATE UNIQUE INDEX idx_brand_performance_mv_pk ON analytics.brand_performance_mv (brand_id);
"""

DAILY_SALES = f"""
CREATE MATERIALIZED VIEW analytics.daily_sales_mv AS
SELECT md5((o.sold_at AT TIME ZONE 'UTC')::date::text || '|' || o.platform_id::text || '|' || o.currency)::uuid AS id,
       (o.sold_at AT TIME ZONE 'UTC')::date AS day,
       o.platform_id, o.currency,
       count(*) AS orders_count,
       sum(o.sale_price_cents)::bigint AS gross_cents,
       sum(o.platform_fee_cents + o.processing_fee_cents + o.shipping_cost_cents + o.other_costs_cents)::bigint
           AS fees_cents,
       sum(o.net_proceeds_cents)::bigint AS net_cents,
       round(sum(o.net_proceeds_cents * COALESCE(o.payout_fx_rate, 1)
                 - COALESCE(i.purchase_price_cents, 0) * i.purchase_fx_rate))::bigint AS profit_base_cents,
       now() AS refreshed_at
FROM transactions.orders o
JOIN products.inventory i ON i.id = o.inventory_id
WHERE {SOLD_ORDER}
GROUP BY 1, 2, 3, 4;
-- Days are UTC days.
CREATE UNIQUE INDEX idx_daily_sales_mv_pk ON analytics.daily_sales_mv (day, platform_id, currency);
CREATE UNIQUE INDEX idx_daily_sales_mv_id ON analytics.daily_sales_mv (id);
"""

INVENTORY_AGING = f"""
CREATE MATERIALIZED VIEW analytics.inventory_aging_mv AS
WITH bids AS (
    -- Highest bid per product, EU size and currency, across resale platforms.
    SELECT ps.product_id, s.standardized_value, ps.currency, max(ps.price_cents) AS highest_bid_cents
    FROM integration.price_sources ps JOIN products.sizes s ON s.id = ps.size_id
    WHERE ps.price_type = 'highest_bid' AND s.standardized_value IS NOT NULL
    GROUP BY 1, 2, 3
),
open_stock AS (
    SELECT i.*, p.brand_id, s.standardized_value,
           current_date - (COALESCE(i.purchased_at, i.created_at) AT TIME ZONE 'UTC')::date AS days_in_stock
    FROM products.inventory i
    JOIN products.products p ON p.id = i.product_id
    LEFT JOIN products.sizes s ON s.id = i.size_id
    WHERE i.status IN {OPEN_STATUSES}
)
SELECT o.id AS inventory_id, o.product_id, o.brand_id, o.size_id, o.status, o.purchased_at,
       o.days_in_stock,
       CASE WHEN o.days_in_stock <= 30 THEN '0-30'
            WHEN o.days_in_stock <= 60 THEN '31-60'
            WHEN o.days_in_stock <= 90 THEN '61-90'
            ELSE '90+' END AS age_bucket,
       o.days_in_stock > 90 AS is_dead_stock,
       o.quantity, o.purchase_price_cents, o.currency,
       round(COALESCE(o.purchase_price_cents, 0) * o.quantity * o.purchase_fx_rate)::bigint
           AS locked_capital_base_cents,
       b.highest_bid_cents AS market_bid_cents,
       (b.highest_bid_cents - o.purchase_price_cents) * o.quantity AS unrealized_profit_cents,
       now() AS refreshed_at
FROM open_stock o
LEFT JOIN bids b
  ON b.product_id = o.product_id AND b.standardized_value = o.standardized_value AND b.currency = o.currency;
CREATE UNIQUE INDEX idx_inventory_aging_mv_pk ON analytics.inventory_aging_mv (inventory_id);
-- Dashboard: dead stock, oldest first.
CREATE INDEX idx_inventory_aging_mv_days ON analytics.inventory_aging_mv (days_in_stock DESC);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("pricing", "0003_price_sources_key_and_history_triggers"),
        ("transactions", "0002_platform_region_and_seller_level"),
    ]

    operations = [
        migrations.RunSQL(PROFIT_OPPORTUNITIES, "DROP MATERIALIZED VIEW analytics.profit_opportunities_mv;"),
        migrations.RunSQL(BRAND_PERFORMANCE, "DROP MATERIALIZED VIEW analytics.brand_performance_mv;"),
        migrations.RunSQL(DAILY_SALES, "DROP MATERIALIZED VIEW analytics.daily_sales_mv;"),
        migrations.RunSQL(INVENTORY_AGING, "DROP MATERIALIZED VIEW analytics.inventory_aging_mv;"),
    ]
