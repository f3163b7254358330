-- bench/reports.py's generated history: orders, stall parts, lines, totals and deliveries (see its docstring).
-- Names in braces are filled by the script (str.format); $1, $2, $3 are bound: the first order's time, the seconds covered, the count.
INSERT INTO orders (id, number, buyer_id, market_id, status, payment_method, payment_status, subtotal,
    delivery_fee, total, distance_km, address_line, address_area, recipient_name, recipient_phone, latitude,
    longitude, slot_date, slot_window, note, idempotency_key, request_hash, cancel_reason, created_at, updated_at)
SELECT g, 'PSR-B-' || g, (SELECT min(id) FROM user_account WHERE role = 'BUYER') + g % {buyers},
    CASE WHEN g % 11 = 0 THEN {quiet} ELSE {busy} END,
    CASE WHEN g % 100 < 85 THEN 'DELIVERED' WHEN g % 100 < 93 THEN 'CANCELLED' ELSE 'PROCESSING' END,
    CASE WHEN g % 5 = 0 THEN 'QRIS' ELSE 'COD' END,
    CASE WHEN g % 100 < 85 THEN 'PAID' WHEN g % 100 < 93 THEN 'VOID' ELSE 'UNPAID' END,
    0, 7000, 0, 1.5, 'Jl. Bench ' || g, '', 'Pembeli', '+6281299999999', -7.98, 112.63,
    CAST(t AS date), 'MORNING', '', 'k' || g, '',
    CASE WHEN g % 100 BETWEEN 85 AND 92
         THEN (ARRAY['tidak jadi', 'ALL_PARTS_REJECTED', 'PAYMENT_EXPIRED'])[g % 3 + 1] END,
    t, t
FROM (SELECT g, $1::timestamptz + (g * $2::float8 / $3::int) * interval '1 second' AS t
      FROM generate_series(1, $3::int) AS g) AS s;

INSERT INTO stall_order (id, order_id, stall_id, status, subtotal, created_at, updated_at)
SELECT o.id * 2 - k, o.id, ((o.id * 7 + k * 3) % {busy_stalls}) + (SELECT min(id) FROM stall),
    CASE WHEN o.status = 'CANCELLED' THEN 'CANCELLED' WHEN (o.id + k) % 33 = 0 THEN 'REJECTED' ELSE 'READY' END,
    0, o.created_at, o.created_at
FROM orders o CROSS JOIN (VALUES (0), (1)) AS parts(k);

INSERT INTO order_item (id, stall_order_id, product_id, product_name, unit, unit_price, quantity,
    fulfilled_quantity, is_weighed, line_total, note)
SELECT so.id * 2 - k, so.id, p.id, p.name, 'KG', p.price, 1 + (so.id % 4) * 0.25,
    CASE WHEN so.id % 3 = 0 THEN 1.1 + (so.id % 4) * 0.25 END, so.id % 3 = 0,
    round(p.price * CASE WHEN so.id % 3 = 0 THEN 1.1 + (so.id % 4) * 0.25 ELSE 1 + (so.id % 4) * 0.25 END), ''
FROM stall_order so CROSS JOIN (VALUES (0), (1)) AS lines(k)
JOIN product p ON p.stall_id = so.stall_id AND p.name LIKE '%-' || ((so.id + k) % {products_per_stall});

UPDATE stall_order so SET subtotal = i.total FROM (
    SELECT stall_order_id, sum(line_total) AS total FROM order_item GROUP BY stall_order_id) i
WHERE i.stall_order_id = so.id;
UPDATE orders o SET subtotal = s.total, total = s.total + o.delivery_fee FROM (
    SELECT order_id, sum(subtotal) AS total FROM stall_order WHERE status = 'READY' GROUP BY order_id) s
WHERE s.order_id = o.id;

INSERT INTO delivery_assignment (order_id, courier_id, market_id, status, live_order_id, offered_at, accepted_at,
    picked_up_at, delivered_at, cod_expected, cod_collected, cod_difference, updated_at)
SELECT o.id, {courier}, o.market_id, 'DELIVERED', NULL, o.created_at, o.created_at, o.created_at,
    o.created_at + (40 + o.id % 80) * interval '1 minute',
    CASE WHEN o.payment_method = 'COD' THEN o.total ELSE 0 END,
    CASE WHEN o.payment_method = 'COD' THEN o.total - CASE WHEN o.id % 50 = 0 THEN 1000 ELSE 0 END END,
    CASE WHEN o.payment_method = 'COD' AND o.id % 50 = 0 THEN -1000 ELSE 0 END, o.created_at
FROM orders o WHERE o.status = 'DELIVERED';
