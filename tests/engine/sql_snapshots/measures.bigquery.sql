WITH `t46` AS (
  SELECT
    `t26`.`account_id`,
    `t26`.`segment`,
    `t40`.`process`,
    `t38`.`c_seg`,
    `t39`.`c_star`,
    `t32`.`c_ovr`
  FROM (
    SELECT
      `t7`.`account_id`,
      `t7`.`segment`
    FROM `accounts` AS `t7`
  ) AS `t26`
  CROSS JOIN (
    SELECT
      *
    FROM (
      SELECT DISTINCT
        `t9`.`process`
      FROM `process_criticality` AS `t9`
    ) AS `t20`
    UNION DISTINCT
    SELECT
      *
    FROM (
      SELECT
        `t10`.`process`
      FROM `criticality_overrides` AS `t10`
    ) AS `t21`
  ) AS `t40`
  LEFT OUTER JOIN (
    SELECT
      `t9`.`process`,
      `t9`.`segment`,
      `t9`.`criticality` AS `c_seg`
    FROM `process_criticality` AS `t9`
    WHERE
      `t9`.`segment` <> '*'
  ) AS `t38`
    ON `t40`.`process` = `t38`.`process` AND `t26`.`segment` = `t38`.`segment`
  LEFT OUTER JOIN (
    SELECT
      `t9`.`process`,
      `t9`.`criticality` AS `c_star`
    FROM `process_criticality` AS `t9`
    WHERE
      `t9`.`segment` = '*'
  ) AS `t39`
    ON `t40`.`process` = `t39`.`process`
  LEFT OUTER JOIN (
    SELECT
      `t10`.`account_id`,
      `t10`.`process`,
      `t10`.`criticality` AS `c_ovr`
    FROM `criticality_overrides` AS `t10`
  ) AS `t32`
    ON `t26`.`account_id` = `t32`.`account_id` AND `t40`.`process` = `t32`.`process`
), `t51` AS (
  SELECT
    `t47`.`account_id`,
    `t47`.`segment`,
    `t47`.`arr`,
    `t47`.`seats`,
    `t47`.`contract_start`,
    `t47`.`as_of`,
    `t47`.`window_start`,
    `t47`.`window_days`,
    `t47`.`working_days`
  FROM (
    SELECT
      *
    FROM (
      SELECT
        `t27`.`account_id`,
        `t27`.`segment`,
        `t27`.`arr`,
        `t27`.`seats`,
        `t27`.`contract_start`,
        `t17`.`as_of`,
        `t17`.`window_start`,
        `t17`.`window_days`,
        `t17`.`working_days`
      FROM (
        SELECT
          `t7`.`account_id`,
          `t7`.`segment`,
          `t7`.`arr`,
          `t7`.`seats`,
          `t7`.`contract_start`
        FROM `accounts` AS `t7`
      ) AS `t27`
      CROSS JOIN `memtable_1` AS `t17`
    ) AS `t42`
    WHERE
      `t42`.`contract_start` <= `t42`.`as_of`
  ) AS `t47`
  WHERE
    NOT EXISTS(
      SELECT
        1
      FROM (
        SELECT
          `t8`.`account_id`,
          `t8`.`renewal_date` AS `churn_date`
        FROM `renewals` AS `t8`
        WHERE
          `t8`.`outcome` = 'churned'
      ) AS `t37`
      WHERE
        `t47`.`account_id` = `t37`.`account_id` AND `t37`.`churn_date` <= `t47`.`as_of`
    )
), `t69` AS (
  SELECT
    `t65`.`account_id`,
    `t65`.`segment`,
    `t65`.`arr`,
    `t65`.`seats`,
    `t65`.`contract_start`,
    `t65`.`as_of`,
    `t65`.`window_start`,
    `t65`.`window_days`,
    `t65`.`model_segment`,
    `t65`.`tenure_days`,
    `t65`.`window_from`,
    `t68`.`working_days`
  FROM (
    SELECT
      `t63`.*
      EXCEPT (`working_days`)
    FROM (
      SELECT
        `t54`.`account_id`,
        `t54`.`segment`,
        `t54`.`arr`,
        `t54`.`seats`,
        `t54`.`contract_start`,
        `t54`.`as_of`,
        `t54`.`window_start`,
        DATE_DIFF(`t54`.`as_of`, GREATEST(`t54`.`window_start`, `t54`.`contract_start`), DAY) + 1 AS `window_days`,
        `t54`.`working_days`,
        CASE
          WHEN TRUE AND (
            DATE_DIFF(`t54`.`as_of`, `t54`.`contract_start`, DAY) <= 60.0
          )
          THEN 'onboarding'
          WHEN TRUE AND `t54`.`segment` IN ('starter')
          THEN 'starter'
          ELSE 'default'
        END AS `model_segment`,
        DATE_DIFF(`t54`.`as_of`, `t54`.`contract_start`, DAY) AS `tenure_days`,
        GREATEST(`t54`.`window_start`, `t54`.`contract_start`) AS `window_from`
      FROM `t51` AS `t54`
    ) AS `t63`
  ) AS `t65`
  LEFT OUTER JOIN (
    SELECT
      `t66`.`as_of`,
      `t66`.`account_id`,
      SUM(`t66`.`is_working`) AS `working_days`
    FROM (
      SELECT
        `t62`.`as_of`,
        `t62`.`account_id`,
        `t62`.`window_from`,
        `t15`.`day`,
        `t15`.`is_working`
      FROM (
        SELECT
          `t54`.`as_of`,
          `t54`.`account_id`,
          GREATEST(`t54`.`window_start`, `t54`.`contract_start`) AS `window_from`
        FROM `t51` AS `t54`
      ) AS `t62`
      INNER JOIN `memtable_2` AS `t15`
        ON `t15`.`day` >= `t62`.`window_from` AND `t15`.`day` <= `t62`.`as_of`
    ) AS `t66`
    GROUP BY
      1,
      2
  ) AS `t68`
    ON `t65`.`as_of` = `t68`.`as_of` AND `t65`.`account_id` = `t68`.`account_id`
), `t85` AS (
  SELECT
    `t82`.`as_of`,
    `t82`.`account_id`,
    `t82`.`user_id`,
    `t82`.`day`,
    `t16`.`process`
  FROM (
    SELECT
      `t80`.*
      EXCEPT (`window_from`)
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t33`.`account_id`,
          `t33`.`user_id`,
          `t33`.`day`,
          `t33`.`feature`,
          `t33`.`events`,
          `t33`.`quantity`,
          `t33`.`value`,
          `t72`.`as_of`,
          `t72`.`window_from`
        FROM (
          SELECT
            *
          FROM `daily_usage` AS `t0`
          WHERE
            `t0`.`day` >= DATE(2022, 6, 3) AND `t0`.`day` <= DATE(2022, 12, 31)
        ) AS `t33`
        INNER JOIN (
          SELECT
            `t70`.`as_of`,
            `t70`.`account_id`,
            `t70`.`window_from`
          FROM `t69` AS `t70`
        ) AS `t72`
          ON `t33`.`account_id` = `t72`.`account_id`
      ) AS `t79`
      WHERE
        `t79`.`day` >= `t79`.`window_from` AND `t79`.`day` <= `t79`.`as_of`
    ) AS `t80`
  ) AS `t82`
  INNER JOIN `process_features` AS `t16`
    ON `t82`.`feature` = `t16`.`feature`
)
SELECT
  `t108`.`as_of`,
  `t108`.`account_id`,
  `t108`.`segment`,
  `t108`.`model_segment`,
  `t108`.`seats`,
  `t108`.`tenure_days`,
  `t108`.`window_from`,
  `t108`.`window_days`,
  `t108`.`working_days`,
  `t108`.`segment_key`,
  `t108`.`active_users`,
  `t108`.`user_days`,
  `t108`.`key_features_total`,
  `t108`.`key_features_adopted`,
  `t108`.`criticality_total`,
  `t108`.`criticality_run`,
  `t108`.`processes_total`,
  `t108`.`processes_run`,
  `t108`.`critical_weight`,
  `t108`.`critical_regular_weight`,
  `t108`.`critical_processes`,
  `t108`.`critical_users`,
  `t108`.`nps`,
  `t108`.`nps__date`,
  `t108`.`won_value_90d`,
  `t108`.`won_value_90d__date`,
  `t108`.`users_unknown`,
  IF(
    `t108`.`users_unknown`,
    CAST(NULL AS FLOAT64),
    IF(
      `t108`.`seats` > 0,
      ieee_divide(CAST(`t108`.`active_users` AS FLOAT64), CAST(`t108`.`seats` AS FLOAT64)),
      CAST(NULL AS FLOAT64)
    )
  ) AS `active_seat_ratio`,
  IF(
    `t108`.`users_unknown`,
    CAST(NULL AS FLOAT64),
    IF(
      (
        `t108`.`active_users` * `t108`.`window_days`
      ) > 0,
      ieee_divide(
        CAST(`t108`.`user_days` AS FLOAT64),
        CAST(`t108`.`active_users` * `t108`.`window_days` AS FLOAT64)
      ),
      CAST(NULL AS FLOAT64)
    )
  ) AS `stickiness`,
  IF(
    `t108`.`users_unknown`,
    CAST(NULL AS FLOAT64),
    IF(
      `t108`.`active_users` > 0,
      ieee_divide(CAST(`t108`.`user_days` AS FLOAT64), CAST(`t108`.`active_users` AS FLOAT64)),
      CAST(NULL AS FLOAT64)
    )
  ) AS `active_days_per_active_user`,
  IF(
    `t108`.`users_unknown`,
    CAST(NULL AS FLOAT64),
    IF(
      `t108`.`key_features_total` > 0,
      ieee_divide(
        CAST(`t108`.`key_features_adopted` AS FLOAT64),
        CAST(`t108`.`key_features_total` AS FLOAT64)
      ),
      CAST(NULL AS FLOAT64)
    )
  ) AS `key_feature_adoption`,
  IF(
    `t108`.`criticality_total` > 0,
    ieee_divide(`t108`.`criticality_run`, `t108`.`criticality_total`),
    CAST(NULL AS FLOAT64)
  ) AS `process_coverage`,
  IF(
    `t108`.`working_days` > 0,
    IF(
      `t108`.`critical_weight` > 0,
      ieee_divide(`t108`.`critical_regular_weight`, `t108`.`critical_weight`),
      CAST(NULL AS FLOAT64)
    ),
    CAST(NULL AS FLOAT64)
  ) AS `critical_process_regularity`,
  IF(
    `t108`.`users_unknown`,
    CAST(NULL AS FLOAT64),
    IF(
      `t108`.`critical_processes` > 0,
      IF(
        `t108`.`active_users` > 0,
        ieee_divide(CAST(`t108`.`critical_users` AS FLOAT64), CAST(`t108`.`active_users` AS FLOAT64)),
        CAST(NULL AS FLOAT64)
      ),
      CAST(NULL AS FLOAT64)
    )
  ) AS `critical_process_reach`
FROM (
  SELECT
    `t107`.*
    EXCEPT (`_first_day`, `_first_user_day`)
  FROM (
    SELECT
      `t106`.`as_of`,
      `t106`.`account_id`,
      `t106`.`segment`,
      `t106`.`model_segment`,
      `t106`.`seats`,
      `t106`.`tenure_days`,
      `t106`.`window_from`,
      `t106`.`window_days`,
      `t106`.`working_days`,
      `t106`.`segment_key`,
      COALESCE(`t106`.`active_users`, 0) AS `active_users`,
      COALESCE(`t106`.`user_days`, 0) AS `user_days`,
      COALESCE(`t106`.`key_features_total`, 0) AS `key_features_total`,
      COALESCE(`t106`.`key_features_adopted`, 0) AS `key_features_adopted`,
      COALESCE(`t106`.`criticality_total`, 0) AS `criticality_total`,
      COALESCE(`t106`.`criticality_run`, 0) AS `criticality_run`,
      COALESCE(`t106`.`processes_total`, 0) AS `processes_total`,
      COALESCE(`t106`.`processes_run`, 0) AS `processes_run`,
      COALESCE(`t106`.`critical_weight`, 0) AS `critical_weight`,
      COALESCE(`t106`.`critical_regular_weight`, 0) AS `critical_regular_weight`,
      COALESCE(`t106`.`critical_processes`, 0) AS `critical_processes`,
      COALESCE(`t106`.`critical_users`, 0) AS `critical_users`,
      `t106`.`nps`,
      `t106`.`nps__date`,
      `t106`.`won_value_90d`,
      `t106`.`won_value_90d__date`,
      `t106`.`_first_day`,
      `t106`.`_first_user_day`,
      COALESCE(
        (
          `t106`.`_first_day` <= `t106`.`as_of`
        )
        AND (
          (
            `t106`.`_first_user_day` IS NULL
          )
          OR (
            `t106`.`_first_user_day` > `t106`.`as_of`
          )
        ),
        FALSE
      ) AS `users_unknown`
    FROM (
      SELECT
        `t77`.`as_of`,
        `t77`.`account_id`,
        `t77`.`segment`,
        `t77`.`model_segment`,
        `t77`.`seats`,
        `t77`.`tenure_days`,
        `t77`.`window_from`,
        `t77`.`window_days`,
        `t77`.`working_days`,
        `t77`.`segment_key`,
        `t89`.`active_users`,
        `t89`.`user_days`,
        `t101`.`key_features_total`,
        `t101`.`key_features_adopted`,
        `t105`.`criticality_total`,
        `t105`.`criticality_run`,
        `t105`.`processes_total`,
        `t105`.`processes_run`,
        `t105`.`critical_weight`,
        `t105`.`critical_regular_weight`,
        `t105`.`critical_processes`,
        `t102`.`critical_users`,
        `t59`.`nps`,
        `t59`.`nps__date`,
        `t60`.`won_value_90d`,
        `t60`.`won_value_90d__date`,
        `t41`.`_first_day`,
        `t41`.`_first_user_day`
      FROM (
        SELECT
          `t70`.`as_of`,
          `t70`.`account_id`,
          `t70`.`segment`,
          `t70`.`model_segment`,
          `t70`.`seats`,
          `t70`.`tenure_days`,
          `t70`.`window_from`,
          `t70`.`window_days`,
          COALESCE(`t70`.`working_days`, 0) AS `working_days`,
          IF(
            `t70`.`model_segment` IN ('default', 'starter', 'onboarding'),
            `t70`.`model_segment`,
            'default'
          ) AS `segment_key`
        FROM `t69` AS `t70`
      ) AS `t77`
      LEFT OUTER JOIN (
        SELECT
          `t83`.`as_of`,
          `t83`.`account_id`,
          COUNT(DISTINCT `t83`.`user_id`) AS `active_users`,
          COUNT(*) AS `user_days`
        FROM (
          SELECT DISTINCT
            `t81`.`as_of`,
            `t81`.`account_id`,
            `t81`.`user_id`,
            `t81`.`day`
          FROM (
            SELECT
              `t80`.*
              EXCEPT (`window_from`)
            FROM (
              SELECT
                *
              FROM (
                SELECT
                  `t33`.`account_id`,
                  `t33`.`user_id`,
                  `t33`.`day`,
                  `t33`.`feature`,
                  `t33`.`events`,
                  `t33`.`quantity`,
                  `t33`.`value`,
                  `t72`.`as_of`,
                  `t72`.`window_from`
                FROM (
                  SELECT
                    *
                  FROM `daily_usage` AS `t0`
                  WHERE
                    `t0`.`day` >= DATE(2022, 6, 3) AND `t0`.`day` <= DATE(2022, 12, 31)
                ) AS `t33`
                INNER JOIN (
                  SELECT
                    `t70`.`as_of`,
                    `t70`.`account_id`,
                    `t70`.`window_from`
                  FROM `t69` AS `t70`
                ) AS `t72`
                  ON `t33`.`account_id` = `t72`.`account_id`
              ) AS `t79`
              WHERE
                `t79`.`day` >= `t79`.`window_from` AND `t79`.`day` <= `t79`.`as_of`
            ) AS `t80`
          ) AS `t81`
          WHERE
            `t81`.`user_id` IS NOT NULL
        ) AS `t83`
        GROUP BY
          1,
          2
      ) AS `t89`
        ON `t77`.`as_of` = `t89`.`as_of` AND `t77`.`account_id` = `t89`.`account_id`
      LEFT OUTER JOIN (
        SELECT
          `t96`.`as_of`,
          `t96`.`account_id`,
          COUNT(DISTINCT `t96`.`feature`) AS `key_features_total`,
          COUNT(`t96`.`feature_users`) AS `key_features_adopted`
        FROM (
          SELECT
            `t78`.`as_of`,
            `t78`.`account_id`,
            `t78`.`segment_key`,
            `t12`.`feature`,
            `t93`.`as_of` AS `as_of_right`,
            `t93`.`account_id` AS `account_id_right`,
            `t93`.`feature` AS `feature_right`,
            `t93`.`feature_users`
          FROM (
            SELECT
              `t70`.`as_of`,
              `t70`.`account_id`,
              IF(
                `t70`.`model_segment` IN ('default', 'starter', 'onboarding'),
                `t70`.`model_segment`,
                'default'
              ) AS `segment_key`
            FROM `t69` AS `t70`
          ) AS `t78`
          INNER JOIN `memtable_3` AS `t12`
            ON `t78`.`segment_key` = `t12`.`segment_key`
          LEFT OUTER JOIN (
            SELECT
              *
            FROM (
              SELECT
                `t84`.`as_of`,
                `t84`.`account_id`,
                `t84`.`feature`,
                COUNT(DISTINCT `t84`.`user_id`) AS `feature_users`
              FROM (
                SELECT
                  *
                FROM (
                  SELECT
                    `t80`.*
                    EXCEPT (`window_from`)
                  FROM (
                    SELECT
                      *
                    FROM (
                      SELECT
                        `t33`.`account_id`,
                        `t33`.`user_id`,
                        `t33`.`day`,
                        `t33`.`feature`,
                        `t33`.`events`,
                        `t33`.`quantity`,
                        `t33`.`value`,
                        `t72`.`as_of`,
                        `t72`.`window_from`
                      FROM (
                        SELECT
                          *
                        FROM `daily_usage` AS `t0`
                        WHERE
                          `t0`.`day` >= DATE(2022, 6, 3) AND `t0`.`day` <= DATE(2022, 12, 31)
                      ) AS `t33`
                      INNER JOIN (
                        SELECT
                          `t70`.`as_of`,
                          `t70`.`account_id`,
                          `t70`.`window_from`
                        FROM `t69` AS `t70`
                      ) AS `t72`
                        ON `t33`.`account_id` = `t72`.`account_id`
                    ) AS `t79`
                    WHERE
                      `t79`.`day` >= `t79`.`window_from` AND `t79`.`day` <= `t79`.`as_of`
                  ) AS `t80`
                ) AS `t81`
                WHERE
                  `t81`.`user_id` IS NOT NULL
              ) AS `t84`
              GROUP BY
                1,
                2,
                3
            ) AS `t87`
            WHERE
              `t87`.`feature_users` >= 2
          ) AS `t93`
            ON `t78`.`as_of` = `t93`.`as_of`
            AND `t78`.`account_id` = `t93`.`account_id`
            AND `t12`.`feature` = `t93`.`feature`
        ) AS `t96`
        GROUP BY
          1,
          2
      ) AS `t101`
        ON `t77`.`as_of` = `t101`.`as_of` AND `t77`.`account_id` = `t101`.`account_id`
      LEFT OUTER JOIN (
        SELECT
          `t103`.`as_of`,
          `t103`.`account_id`,
          SUM(`t103`.`criticality`) AS `criticality_total`,
          SUM(IF(COALESCE(`t103`.`ran_days`, 0) > 0, `t103`.`criticality`, NULL)) AS `criticality_run`,
          COUNT(*) AS `processes_total`,
          COUNTIF(COALESCE(`t103`.`ran_days`, 0) > 0) AS `processes_run`,
          SUM(IF(`t103`.`criticality` >= 4.0, `t103`.`criticality`, NULL)) AS `critical_weight`,
          SUM(
            IF(
              `t103`.`criticality` >= 4.0,
              `t103`.`criticality` * IF(
                `t103`.`working_days` > 0,
                ieee_divide(
                  CAST(COALESCE(`t103`.`ran_working_days`, 0) AS FLOAT64),
                  CAST(`t103`.`working_days` AS FLOAT64)
                ),
                CAST(NULL AS FLOAT64)
              ),
              NULL
            )
          ) AS `critical_regular_weight`,
          COUNTIF(`t103`.`criticality` >= 4.0) AS `critical_processes`
        FROM (
          SELECT
            `t76`.`as_of`,
            `t76`.`account_id`,
            `t76`.`working_days`,
            `t55`.`process`,
            `t55`.`criticality`,
            `t98`.`ran_days`,
            `t98`.`ran_working_days`
          FROM (
            SELECT
              `t70`.`as_of`,
              `t70`.`account_id`,
              COALESCE(`t70`.`working_days`, 0) AS `working_days`
            FROM `t69` AS `t70`
          ) AS `t76`
          INNER JOIN (
            SELECT
              `t48`.`account_id`,
              `t48`.`process`,
              COALESCE(`t48`.`c_ovr`, `t48`.`c_seg`, `t48`.`c_star`, 0.0) AS `criticality`
            FROM `t46` AS `t48`
            WHERE
              COALESCE(`t48`.`c_ovr`, `t48`.`c_seg`, `t48`.`c_star`, 0.0) > 0
          ) AS `t55`
            ON `t76`.`account_id` = `t55`.`account_id`
          LEFT OUTER JOIN (
            SELECT
              `t90`.`as_of`,
              `t90`.`account_id`,
              `t90`.`process`,
              COUNT(DISTINCT `t90`.`day`) AS `ran_days`,
              COUNT(
                DISTINCT IF(
                  MOD(EXTRACT(dayofweek FROM `t90`.`day`) + 5, 7) IN (0, 1, 2, 3, 4),
                  `t90`.`day`,
                  NULL
                )
              ) AS `ran_working_days`
            FROM (
              SELECT DISTINCT
                *
              FROM `t85` AS `t88`
            ) AS `t90`
            GROUP BY
              1,
              2,
              3
          ) AS `t98`
            ON `t76`.`as_of` = `t98`.`as_of`
            AND `t76`.`account_id` = `t98`.`account_id`
            AND `t55`.`process` = `t98`.`process`
        ) AS `t103`
        GROUP BY
          1,
          2
      ) AS `t105`
        ON `t77`.`as_of` = `t105`.`as_of` AND `t77`.`account_id` = `t105`.`account_id`
      LEFT OUTER JOIN (
        SELECT
          `t97`.`as_of`,
          `t97`.`account_id`,
          COUNT(DISTINCT `t97`.`user_id`) AS `critical_users`
        FROM (
          SELECT
            `t94`.`as_of`,
            `t94`.`account_id`,
            `t94`.`user_id`,
            `t94`.`day`,
            `t94`.`process`
          FROM (
            SELECT DISTINCT
              *
            FROM `t85` AS `t88`
            WHERE
              `t88`.`user_id` IS NOT NULL
          ) AS `t94`
          INNER JOIN (
            SELECT
              `t48`.`account_id`,
              `t48`.`process`
            FROM `t46` AS `t48`
            WHERE
              COALESCE(`t48`.`c_ovr`, `t48`.`c_seg`, `t48`.`c_star`, 0.0) > 0
              AND COALESCE(`t48`.`c_ovr`, `t48`.`c_seg`, `t48`.`c_star`, 0.0) >= 4.0
          ) AS `t56`
            ON `t94`.`account_id` = `t56`.`account_id` AND `t94`.`process` = `t56`.`process`
        ) AS `t97`
        GROUP BY
          1,
          2
      ) AS `t102`
        ON `t77`.`as_of` = `t102`.`as_of` AND `t77`.`account_id` = `t102`.`account_id`
      LEFT OUTER JOIN (
        SELECT
          `t49`.`as_of`,
          `t49`.`account_id`,
          `t49`.`value` AS `nps`,
          `t49`.`date` AS `nps__date`
        FROM (
          SELECT
            `t43`.`account_id`,
            `t43`.`metric`,
            `t43`.`value`,
            `t43`.`date`,
            `t43`.`_row`,
            `t43`.`as_of`,
            `t43`.`since`,
            ROW_NUMBER() OVER (PARTITION BY `t43`.`as_of`, `t43`.`account_id` ORDER BY `t43`.`date` DESC) - 1 AS `_n`
          FROM (
            SELECT
              `t35`.`account_id`,
              `t35`.`metric`,
              `t35`.`value`,
              `t35`.`date`,
              `t35`.`_row`,
              `t13`.`as_of`,
              `t13`.`since`
            FROM (
              SELECT
                *
              FROM `signals` AS `t2`
              WHERE
                `t2`.`metric` = 'nps'
            ) AS `t35`
            INNER JOIN `memtable_4` AS `t13`
              ON `t35`.`date` >= `t13`.`since` AND `t35`.`date` <= `t13`.`as_of`
          ) AS `t43`
        ) AS `t49`
        WHERE
          `t49`.`_n` = 0
      ) AS `t59`
        ON `t77`.`as_of` = `t59`.`as_of` AND `t77`.`account_id` = `t59`.`account_id`
      LEFT OUTER JOIN (
        SELECT
          `t50`.`as_of`,
          `t50`.`account_id`,
          `t50`.`value` AS `won_value_90d`,
          `t50`.`date` AS `won_value_90d__date`
        FROM (
          SELECT
            `t44`.`account_id`,
            `t44`.`metric`,
            `t44`.`value`,
            `t44`.`date`,
            `t44`.`_row`,
            `t44`.`as_of`,
            `t44`.`since`,
            ROW_NUMBER() OVER (PARTITION BY `t44`.`as_of`, `t44`.`account_id` ORDER BY `t44`.`date` DESC) - 1 AS `_n`
          FROM (
            SELECT
              `t36`.`account_id`,
              `t36`.`metric`,
              `t36`.`value`,
              `t36`.`date`,
              `t36`.`_row`,
              `t14`.`as_of`,
              `t14`.`since`
            FROM (
              SELECT
                *
              FROM `signals` AS `t2`
              WHERE
                `t2`.`metric` = 'won_value_90d'
            ) AS `t36`
            INNER JOIN `memtable_5` AS `t14`
              ON `t36`.`date` >= `t14`.`since` AND `t36`.`date` <= `t14`.`as_of`
          ) AS `t44`
        ) AS `t50`
        WHERE
          `t50`.`_n` = 0
      ) AS `t60`
        ON `t77`.`as_of` = `t60`.`as_of` AND `t77`.`account_id` = `t60`.`account_id`
      LEFT OUTER JOIN (
        SELECT
          `t0`.`account_id`,
          MIN(`t0`.`day`) AS `_first_day`,
          MIN(IF(`t0`.`user_id` IS NOT NULL, `t0`.`day`, NULL)) AS `_first_user_day`
        FROM `daily_usage` AS `t0`
        GROUP BY
          1
      ) AS `t41`
        ON `t77`.`account_id` = `t41`.`account_id`
    ) AS `t106`
  ) AS `t107`
) AS `t108`
