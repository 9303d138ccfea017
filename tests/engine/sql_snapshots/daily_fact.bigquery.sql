SELECT
  `t15`.`account_id`,
  `t15`.`user_id`,
  `t15`.`day`,
  `t15`.`feature`,
  COUNT(*) AS `events`,
  SUM(COALESCE(`t15`.`quantity`, 1.0)) AS `quantity`,
  SUM(`t15`.`value`) AS `value`
FROM (
  SELECT
    `t14`.`account_id`,
    `t14`.`user_id`,
    `t14`.`feature`,
    `t14`.`timestamp`,
    `t14`.`event_id`,
    `t14`.`quantity`,
    `t14`.`value`,
    `t14`.`_row`,
    `t14`.`zone`,
    CASE
      WHEN `t14`.`_sod` >= `t14`.`_cal_from_3`
      THEN `t14`.`_cal_day_3`
      WHEN `t14`.`_sod` >= `t14`.`_cal_from_2`
      THEN `t14`.`_cal_day_2`
      WHEN `t14`.`_sod` >= `t14`.`_cal_from_1`
      THEN `t14`.`_cal_day_1`
      ELSE `t14`.`_cal_day_0`
    END AS `day`
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
      `t13`.`zone`,
      `t13`.`_zone`,
      `t13`.`_utc_day`,
      `t13`.`_sod`,
      `t5`.`_cal_zone`,
      `t5`.`_cal_utc_day`,
      `t5`.`_cal_day_0`,
      `t5`.`_cal_from_1`,
      `t5`.`_cal_day_1`,
      `t5`.`_cal_from_2`,
      `t5`.`_cal_day_2`,
      `t5`.`_cal_from_3`,
      `t5`.`_cal_day_3`
    FROM (
      SELECT
        `t11`.`account_id`,
        `t11`.`user_id`,
        `t11`.`feature`,
        `t11`.`timestamp`,
        `t11`.`event_id`,
        `t11`.`quantity`,
        `t11`.`value`,
        `t11`.`_row`,
        `t11`.`zone`,
        COALESCE(`t11`.`zone`, 'UTC') AS `_zone`,
        DATE(`t11`.`timestamp`) AS `_utc_day`,
        (
          CAST(EXTRACT(hour FROM `t11`.`timestamp`) AS INT64) * 3600
        ) + (
          CAST(EXTRACT(minute FROM `t11`.`timestamp`) AS INT64) * 60
        ) + CAST(EXTRACT(second FROM `t11`.`timestamp`) AS INT64) AS `_sod`
      FROM (
        SELECT
          `t10`.`account_id`,
          `t10`.`user_id`,
          `t10`.`feature`,
          `t10`.`timestamp`,
          `t10`.`event_id`,
          `t10`.`quantity`,
          `t10`.`value`,
          `t10`.`_row`,
          `t6`.`zone`
        FROM (
          SELECT
            `t8`.*
            EXCEPT (`_n`)
          FROM (
            SELECT
              *
            FROM (
              SELECT
                `t2`.`account_id`,
                `t2`.`user_id`,
                `t2`.`feature`,
                `t2`.`timestamp`,
                `t2`.`event_id`,
                `t2`.`quantity`,
                `t2`.`value`,
                `t2`.`_row`,
                ROW_NUMBER() OVER (
                  PARTITION BY `t2`.`account_id`, `t2`.`event_id`, IF(`t2`.`event_id` IS NULL, `t2`.`user_id`, CAST(NULL AS STRING)), IF(`t2`.`event_id` IS NULL, `t2`.`feature`, CAST(NULL AS STRING)), IF(`t2`.`event_id` IS NULL, `t2`.`timestamp`, CAST(NULL AS DATETIME))
                  ORDER BY `t2`.`_row` ASC
                ) - 1 AS `_n`
              FROM `events` AS `t2`
            ) AS `t7`
            WHERE
              `t7`.`_n` = 0
          ) AS `t8`
        ) AS `t10`
        INNER JOIN (
          SELECT
            `t1`.`account_id`,
            `t1`.`timezone` AS `zone`
          FROM `accounts` AS `t1`
        ) AS `t6`
          ON `t10`.`account_id` = `t6`.`account_id`
      ) AS `t11`
    ) AS `t13`
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
    ) AS `t5`
      ON `t13`.`_zone` = `t5`.`_cal_zone` AND `t13`.`_utc_day` = `t5`.`_cal_utc_day`
  ) AS `t14`
) AS `t15`
GROUP BY
  1,
  2,
  3,
  4
