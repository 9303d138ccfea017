SELECT
  `t30`.`account_id`,
  `t30`.`user_id`,
  `t30`.`day`,
  `t30`.`feature`,
  COUNT(*) AS `events`,
  SUM(COALESCE(`t30`.`quantity`, 1.0)) AS `quantity`,
  SUM(`t30`.`value`) AS `value`
FROM (
  SELECT
    `t29`.`account_id`,
    `t29`.`user_id`,
    `t29`.`feature`,
    `t29`.`timestamp`,
    `t29`.`event_id`,
    `t29`.`quantity`,
    `t29`.`value`,
    `t29`.`_row`,
    `t29`.`zone`,
    CASE
      WHEN `t29`.`_sod` >= `t29`.`_cal_from_3`
      THEN `t29`.`_cal_day_3`
      WHEN `t29`.`_sod` >= `t29`.`_cal_from_2`
      THEN `t29`.`_cal_day_2`
      WHEN `t29`.`_sod` >= `t29`.`_cal_from_1`
      THEN `t29`.`_cal_day_1`
      ELSE `t29`.`_cal_day_0`
    END AS `day`
  FROM (
    SELECT
      `t28`.`account_id`,
      `t28`.`user_id`,
      `t28`.`feature`,
      `t28`.`timestamp`,
      `t28`.`event_id`,
      `t28`.`quantity`,
      `t28`.`value`,
      `t28`.`_row`,
      `t28`.`zone`,
      `t28`.`_zone`,
      `t28`.`_utc_day`,
      `t28`.`_sod`,
      `t6`.`_cal_zone`,
      `t6`.`_cal_utc_day`,
      `t6`.`_cal_day_0`,
      `t6`.`_cal_from_1`,
      `t6`.`_cal_day_1`,
      `t6`.`_cal_from_2`,
      `t6`.`_cal_day_2`,
      `t6`.`_cal_from_3`,
      `t6`.`_cal_day_3`
    FROM (
      SELECT
        `t26`.`account_id`,
        `t26`.`user_id`,
        `t26`.`feature`,
        `t26`.`timestamp`,
        `t26`.`event_id`,
        `t26`.`quantity`,
        `t26`.`value`,
        `t26`.`_row`,
        `t26`.`zone`,
        COALESCE(`t26`.`zone`, 'UTC') AS `_zone`,
        DATE(`t26`.`timestamp`) AS `_utc_day`,
        (
          CAST(EXTRACT(hour FROM `t26`.`timestamp`) AS INT64) * 3600
        ) + (
          CAST(EXTRACT(minute FROM `t26`.`timestamp`) AS INT64) * 60
        ) + CAST(EXTRACT(second FROM `t26`.`timestamp`) AS INT64) AS `_sod`
      FROM (
        SELECT
          `t3`.`account_id`,
          `t3`.`user_id`,
          `t3`.`feature`,
          `t3`.`timestamp`,
          `t3`.`event_id`,
          `t3`.`quantity`,
          `t3`.`value`,
          `t3`.`_row`,
          `t11`.`zone`
        FROM `events` AS `t3`
        INNER JOIN (
          SELECT
            `t2`.`account_id`,
            `t2`.`timezone` AS `zone`
          FROM `accounts` AS `t2`
        ) AS `t11`
          ON `t3`.`account_id` = `t11`.`account_id`
        WHERE
          NOT EXISTS(
            SELECT
              1
            FROM (
              SELECT
                *
              FROM (
                SELECT
                  `t20`.`_row`
                FROM (
                  SELECT
                    `t12`.`account_id`,
                    `t12`.`user_id`,
                    `t12`.`feature`,
                    `t12`.`timestamp`,
                    `t12`.`event_id`,
                    `t12`.`quantity`,
                    `t12`.`value`,
                    `t12`.`_row`,
                    `t18`.`_dup_account_id`,
                    `t18`.`_dup_event_id`,
                    `t18`.`_copies`,
                    `t18`.`_first`
                  FROM (
                    SELECT
                      *
                    FROM `events` AS `t1`
                    WHERE
                      `t1`.`event_id` IS NOT NULL
                  ) AS `t12`
                  INNER JOIN (
                    SELECT
                      `t14`.`account_id` AS `_dup_account_id`,
                      `t14`.`event_id` AS `_dup_event_id`,
                      `t14`.`_copies`,
                      `t14`.`_first`
                    FROM (
                      SELECT
                        `t8`.`account_id`,
                        `t8`.`event_id`,
                        COUNT(*) AS `_copies`,
                        MIN(`t8`.`_row`) AS `_first`
                      FROM (
                        SELECT
                          `t1`.`account_id`,
                          `t1`.`event_id`,
                          `t1`.`_row`
                        FROM `events` AS `t1`
                        WHERE
                          `t1`.`event_id` IS NOT NULL
                      ) AS `t8`
                      GROUP BY
                        1,
                        2
                    ) AS `t14`
                    WHERE
                      `t14`.`_copies` > 1
                  ) AS `t18`
                    ON `t12`.`account_id` IS NOT DISTINCT FROM `t18`.`_dup_account_id`
                    AND `t12`.`event_id` IS NOT DISTINCT FROM `t18`.`_dup_event_id`
                ) AS `t20`
                WHERE
                  `t20`.`_row` <> `t20`.`_first`
              ) AS `t22`
              UNION ALL
              SELECT
                *
              FROM (
                SELECT
                  `t21`.`_row`
                FROM (
                  SELECT
                    `t13`.`account_id`,
                    `t13`.`user_id`,
                    `t13`.`feature`,
                    `t13`.`timestamp`,
                    `t13`.`event_id`,
                    `t13`.`quantity`,
                    `t13`.`value`,
                    `t13`.`_row`,
                    `t19`.`_dup_account_id`,
                    `t19`.`_dup_user_id`,
                    `t19`.`_dup_feature`,
                    `t19`.`_dup_timestamp`,
                    `t19`.`_copies`,
                    `t19`.`_first`
                  FROM (
                    SELECT
                      *
                    FROM `events` AS `t1`
                    WHERE
                      `t1`.`event_id` IS NULL
                  ) AS `t13`
                  INNER JOIN (
                    SELECT
                      `t15`.`account_id` AS `_dup_account_id`,
                      `t15`.`user_id` AS `_dup_user_id`,
                      `t15`.`feature` AS `_dup_feature`,
                      `t15`.`timestamp` AS `_dup_timestamp`,
                      `t15`.`_copies`,
                      `t15`.`_first`
                    FROM (
                      SELECT
                        `t10`.`account_id`,
                        `t10`.`user_id`,
                        `t10`.`feature`,
                        `t10`.`timestamp`,
                        COUNT(*) AS `_copies`,
                        MIN(`t10`.`_row`) AS `_first`
                      FROM (
                        SELECT
                          `t1`.`account_id`,
                          `t1`.`user_id`,
                          `t1`.`feature`,
                          `t1`.`timestamp`,
                          `t1`.`_row`,
                          `t1`.`event_id`
                        FROM `events` AS `t1`
                        WHERE
                          `t1`.`event_id` IS NULL
                      ) AS `t10`
                      GROUP BY
                        1,
                        2,
                        3,
                        4
                    ) AS `t15`
                    WHERE
                      `t15`.`_copies` > 1
                  ) AS `t19`
                    ON `t13`.`account_id` IS NOT DISTINCT FROM `t19`.`_dup_account_id`
                    AND `t13`.`user_id` IS NOT DISTINCT FROM `t19`.`_dup_user_id`
                    AND `t13`.`feature` IS NOT DISTINCT FROM `t19`.`_dup_feature`
                    AND `t13`.`timestamp` IS NOT DISTINCT FROM `t19`.`_dup_timestamp`
                ) AS `t21`
                WHERE
                  `t21`.`_row` <> `t21`.`_first`
              ) AS `t23`
            ) AS `t25`
            WHERE
              `t3`.`_row` = `t25`.`_row`
          )
      ) AS `t26`
    ) AS `t28`
    LEFT OUTER JOIN (
      SELECT
        `t0`.`zone` AS `_cal_zone`,
        `t0`.`utc_day` AS `_cal_utc_day`,
        `t0`.`day_0` AS `_cal_day_0`,
        `t0`.`from_1` AS `_cal_from_1`,
        `t0`.`day_1` AS `_cal_day_1`,
        `t0`.`from_2` AS `_cal_from_2`,
        `t0`.`day_2` AS `_cal_day_2`,
        `t0`.`from_3` AS `_cal_from_3`,
        `t0`.`day_3` AS `_cal_day_3`
      FROM `memtable_1` AS `t0`
    ) AS `t6`
      ON `t28`.`_zone` = `t6`.`_cal_zone` AND `t28`.`_utc_day` = `t6`.`_cal_utc_day`
  ) AS `t29`
) AS `t30`
GROUP BY
  1,
  2,
  3,
  4
