-- Inserts rows $1..$2 of a generated `hits` table of $3 rows (ClickBench's schema): deterministic,
-- skewed like web traffic (rank-frequency ~ 1/rank), with the constants ClickBench's queries look for.
-- Params: $1 first row, $2 last row, $3 rows in the whole table. The bench names the table.
INSERT INTO %TABLE%
SELECT watch_id, (u1 < 0.7)::int, title, 1, event_time, event_time::date, counter_id, client_ip, region_id, user_id,
       0, (u1 * 1000)::int % 40, (u2 * 1000)::int % 30, url, referer,
       (u24 < 0.1)::int, 0, 0, 0, 0,
       (ARRAY[1920, 1366, 1280, 1440, 1024, 800, 0])[1 + (u3 * 7)::int % 7], (ARRAY[1080, 768, 1024, 900, 600])[1 + (u3 * 5)::int % 5], 24, 0, 0, '',
       0, 0, 0, '', 1, 1, (model <> '')::int, CASE WHEN model <> '' THEN 1 + (u4 * 5)::int % 5 ELSE 0 END, model,
       '', client_rank % 10000, (ARRAY[-1, 0, 1, 2, 3, 4, 5, 6, 7, 8])[1 + (u5 * 10)::int % 10],
       CASE WHEN phrase <> '' THEN 1 + (u6 * 3)::int % 3 ELSE 0 END, phrase,
       CASE WHEN u16 < 0.05 THEN floor(exp(ln(30) * u17))::int ELSE 0 END, 0,
       (ARRAY[1903, 1349, 1263, 1423, 1007])[1 + (u18 * 5)::int % 5], (ARRAY[969, 657, 913, 789, 489])[1 + (u18 * 25)::int % 5], 0, event_time,
       0, 0, 0, 0, 'utf-8', 0, (u19 < 0.05)::int, (u20 < 0.02)::int, 0, 0, '', 0, 0, 0, 0,
       (u25 < 0.05)::int, 0, 'F', event_time, 0, 0, 0, 0, 0, client_ip, 0, 0, 0, 'ru', 'RU', '', '',
       0, 0, 0, 0, 0, 0, 0, 0, '', 0, '', '', 0, '', '', '', '', '', '', '', '', '', '', 0,
       CASE WHEN referer_domain = 1 AND referer_path = 1 THEN 3594120000172545465 ELSE hashtextextended(referer, 0) END,
       CASE WHEN url_domain = 1 AND url_path = 1 THEN 2868770270353813622 ELSE hashtextextended(url, 0) END,
       0
FROM (
  SELECT *,
         CASE WHEN u14 > 0.03 THEN 'http://' || (CASE url_domain WHEN 1 THEN 'www.yandex.ru' WHEN 2 THEN 'www.google.com' WHEN 3 THEN 'google.ru' WHEN 4 THEN 'mail.ru' ELSE 'site' || url_domain || '.ru' END) || '/page/' || url_path ELSE '' END AS url,
         CASE WHEN u23 < 0.3 THEN '' ELSE 'https://' || (CASE referer_domain WHEN 1 THEN 'www.yandex.ru' WHEN 2 THEN 'www.google.com' WHEN 3 THEN 'google.ru' WHEN 4 THEN 'mail.ru' ELSE 'site' || referer_domain || '.ru' END) || '/r/' || referer_path END AS referer,
         CASE WHEN u2 > 0.95 THEN '' WHEN u2 < 0.03 THEN 'Google Search: ' || title_rank ELSE 'Page title ' || title_rank END AS title,
         CASE WHEN u7 < 0.2 THEN 'search phrase ' || floor(exp(ln(100000) * u15))::int ELSE '' END AS phrase,
         CASE WHEN u21 < 0.1 THEN (ARRAY['iPad', 'iPhone', 'GT-I9300', 'Lumia 920', 'Nexus 4', 'HTC One', 'Xperia Z', 'GT-N7100'])[floor(exp(ln(9) * u22))::int] ELSE '' END AS model,
         CASE WHEN counter_rank = 1 THEN 62 ELSE counter_rank + 100 END AS counter_id,
         hashint4(client_rank) AS client_ip,
         CASE WHEN user_rank = 7 THEN 435090932899640449 ELSE hashint8extended(user_rank, 7) END AS user_id
  FROM (
    SELECT i, u1, u2, u3, u4, u5, u6, u7, u14, u15, u16, u17, u18, u19, u20, u21, u22, u23, u24, u25,
           hashint8extended(i, 100) AS watch_id,
           timestamp '2013-07-01 00:00:00' + make_interval(secs => floor(i * 2678400.0 / $3::bigint)) AS event_time,
           floor(exp(ln(20000) * u4))::int AS counter_rank,
           floor(exp(ln(500000) * u5))::int AS client_rank,
           floor(exp(ln(10000) * u6))::int AS region_id,
           floor(exp(ln(300000) * u8))::int AS user_rank,
           floor(exp(ln(400) * u9))::int AS url_domain,
           floor(exp(ln(50000) * u10))::int AS url_path,
           floor(exp(ln(1000) * u11))::int AS referer_domain,
           floor(exp(ln(20000) * u12))::int AS referer_path,
           floor(exp(ln(20000) * u13))::int AS title_rank
    FROM (
      SELECT i, u[1] AS u1, u[2] AS u2, u[3] AS u3, u[4] AS u4, u[5] AS u5, u[6] AS u6, u[7] AS u7, u[8] AS u8, u[9] AS u9, u[10] AS u10,
             u[11] AS u11, u[12] AS u12, u[13] AS u13, u[14] AS u14, u[15] AS u15, u[16] AS u16, u[17] AS u17, u[18] AS u18, u[19] AS u19, u[20] AS u20,
             u[21] AS u21, u[22] AS u22, u[23] AS u23, u[24] AS u24, u[25] AS u25
      FROM (
        SELECT i, ARRAY(SELECT (hashint8extended(i, k) & 2147483647)::float8 / 2147483648.0 FROM generate_series(1, 25) AS k) AS u
        FROM generate_series($1::bigint, $2::bigint) AS i
      ) AS hashed
    ) AS uniform
  ) AS ranked
) AS rows
