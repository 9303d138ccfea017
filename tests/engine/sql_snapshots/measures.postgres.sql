WITH "t55" AS (
  SELECT
    "t33"."account_id",
    "t33"."segment",
    "t48"."process",
    "t46"."c_seg",
    "t47"."c_star",
    "t40"."c_ovr"
  FROM (
    SELECT
      "t7"."account_id",
      "t7"."segment"
    FROM "accounts" AS "t7"
  ) AS "t33"
  CROSS JOIN (
    SELECT
      *
    FROM (
      SELECT DISTINCT
        "t9"."process"
      FROM "process_criticality" AS "t9"
    ) AS "t26"
    UNION
    SELECT
      *
    FROM (
      SELECT
        "t10"."process"
      FROM "criticality_overrides" AS "t10"
    ) AS "t27"
  ) AS "t48"
  LEFT OUTER JOIN (
    SELECT
      "t9"."process",
      "t9"."segment",
      "t9"."criticality" AS "c_seg"
    FROM "process_criticality" AS "t9"
    WHERE
      "t9"."segment" <> '*'
  ) AS "t46"
    ON "t48"."process" = "t46"."process" AND "t33"."segment" = "t46"."segment"
  LEFT OUTER JOIN (
    SELECT
      "t9"."process",
      "t9"."criticality" AS "c_star"
    FROM "process_criticality" AS "t9"
    WHERE
      "t9"."segment" = '*'
  ) AS "t47"
    ON "t48"."process" = "t47"."process"
  LEFT OUTER JOIN (
    SELECT
      "t10"."account_id",
      "t10"."process",
      "t10"."criticality" AS "c_ovr"
    FROM "criticality_overrides" AS "t10"
  ) AS "t40"
    ON "t33"."account_id" = "t40"."account_id" AND "t48"."process" = "t40"."process"
), "t63" AS (
  SELECT
    "t57"."account_id",
    "t57"."process",
    COALESCE("t57"."c_ovr", "t57"."c_seg", "t57"."c_star", 0.0) AS "criticality"
  FROM "t55" AS "t57"
  WHERE
    COALESCE("t57"."c_ovr", "t57"."c_seg", "t57"."c_star", 0.0) > 0
), "t68" AS (
  SELECT
    "t59"."account_id",
    "t59"."user_id",
    "t59"."day",
    "t59"."feature",
    "t20"."stretch",
    "t20"."is_working"
  FROM (
    SELECT
      "t51"."account_id",
      "t51"."user_id",
      "t51"."day",
      "t51"."feature"
    FROM (
      SELECT
        "t41"."account_id",
        "t41"."user_id",
        "t41"."day",
        "t41"."feature",
        "t41"."events",
        "t41"."quantity",
        "t41"."value",
        "t35"."_contract_start"
      FROM (
        SELECT
          *
        FROM "daily_usage" AS "t0"
        WHERE
          "t0"."day" >= MAKE_DATE(2022, 6, 3) AND "t0"."day" <= MAKE_DATE(2022, 12, 31)
      ) AS "t41"
      INNER JOIN (
        SELECT
          "t7"."account_id",
          "t7"."contract_start" AS "_contract_start"
        FROM "accounts" AS "t7"
      ) AS "t35"
        ON "t41"."account_id" = "t35"."account_id"
    ) AS "t51"
    WHERE
      "t51"."day" >= "t51"."_contract_start"
  ) AS "t59"
  INNER JOIN "memtable_1" AS "t20"
    ON "t59"."day" = "t20"."day"
), "t91" AS (
  SELECT
    "t84"."account_id",
    "t84"."segment",
    "t84"."arr",
    "t84"."seats",
    "t84"."contract_start",
    "t84"."as_of",
    "t84"."window_start",
    "t84"."window_days",
    "t84"."working_days",
    "t84"."_work_through",
    "t84"."model_segment",
    "t84"."tenure_days",
    "t84"."window_from",
    "t14"."day",
    "t14"."_work_before"
  FROM (
    SELECT
      "t62"."account_id",
      "t62"."segment",
      "t62"."arr",
      "t62"."seats",
      "t62"."contract_start",
      "t62"."as_of",
      "t62"."window_start",
      CAST(EXTRACT(epoch FROM CAST("t62"."as_of" AS TIMESTAMP) - CAST(GREATEST("t62"."window_start", "t62"."contract_start") AS TIMESTAMP)) / 86400 AS BIGINT) + 1 AS "window_days",
      "t62"."working_days",
      "t62"."_work_through",
      CASE
        WHEN TRUE
        AND (
          CAST(EXTRACT(epoch FROM CAST("t62"."as_of" AS TIMESTAMP) - CAST("t62"."contract_start" AS TIMESTAMP)) / 86400 AS BIGINT) <= 60.0
        )
        THEN 'onboarding'
        WHEN TRUE AND "t62"."segment" IN ('starter')
        THEN 'starter'
        ELSE 'default'
      END AS "model_segment",
      CAST(EXTRACT(epoch FROM CAST("t62"."as_of" AS TIMESTAMP) - CAST("t62"."contract_start" AS TIMESTAMP)) / 86400 AS BIGINT) AS "tenure_days",
      GREATEST("t62"."window_start", "t62"."contract_start") AS "window_from"
    FROM (
      SELECT
        "t56"."account_id",
        "t56"."segment",
        "t56"."arr",
        "t56"."seats",
        "t56"."contract_start",
        "t56"."as_of",
        "t56"."window_start",
        "t56"."window_days",
        "t56"."working_days",
        "t56"."_work_through"
      FROM (
        SELECT
          *
        FROM (
          SELECT
            "t34"."account_id",
            "t34"."segment",
            "t34"."arr",
            "t34"."seats",
            "t34"."contract_start",
            "t19"."as_of",
            "t19"."window_start",
            "t19"."window_days",
            "t19"."working_days",
            "t19"."_work_through"
          FROM (
            SELECT
              "t7"."account_id",
              "t7"."segment",
              "t7"."arr",
              "t7"."seats",
              "t7"."contract_start"
            FROM "accounts" AS "t7"
          ) AS "t34"
          CROSS JOIN "memtable_2" AS "t19"
        ) AS "t50"
        WHERE
          "t50"."contract_start" <= "t50"."as_of"
      ) AS "t56"
      WHERE
        NOT EXISTS(
          SELECT
            1
          FROM (
            SELECT
              "t8"."account_id",
              "t8"."renewal_date" AS "churn_date"
            FROM "renewals" AS "t8"
            WHERE
              "t8"."outcome" = 'churned'
          ) AS "t45"
          WHERE
            "t56"."account_id" = "t45"."account_id" AND "t45"."churn_date" <= "t56"."as_of"
        )
    ) AS "t62"
  ) AS "t84"
  LEFT OUTER JOIN "memtable_3" AS "t14"
    ON "t84"."window_from" = "t14"."day"
), "t99" AS (
  SELECT
    "t93"."as_of",
    "t93"."account_id",
    CASE
      WHEN "t93"."model_segment" IN ('default', 'starter', 'onboarding')
      THEN "t93"."model_segment"
      ELSE 'default'
    END AS "segment_key"
  FROM "t91" AS "t93"
)
SELECT
  "t127"."as_of",
  "t127"."account_id",
  "t127"."segment",
  "t127"."model_segment",
  "t127"."seats",
  "t127"."tenure_days",
  "t127"."window_from",
  "t127"."window_days",
  "t127"."working_days",
  "t127"."segment_key",
  "t127"."active_users",
  "t127"."user_days",
  "t127"."key_features_total",
  "t127"."key_features_adopted",
  "t127"."criticality_total",
  "t127"."criticality_run",
  "t127"."processes_total",
  "t127"."processes_run",
  "t127"."critical_weight",
  "t127"."critical_regular_weight",
  "t127"."critical_processes",
  "t127"."critical_users",
  "t127"."nps",
  "t127"."nps__date",
  "t127"."won_value_90d",
  "t127"."won_value_90d__date",
  "t127"."users_unknown",
  CASE
    WHEN "t127"."users_unknown"
    THEN CAST(NULL AS DOUBLE PRECISION)
    ELSE CASE
      WHEN "t127"."seats" > 0
      THEN CAST("t127"."active_users" AS DOUBLE PRECISION) / CAST("t127"."seats" AS DOUBLE PRECISION)
      ELSE CAST(NULL AS DOUBLE PRECISION)
    END
  END AS "active_seat_ratio",
  CASE
    WHEN "t127"."users_unknown"
    THEN CAST(NULL AS DOUBLE PRECISION)
    ELSE CASE
      WHEN (
        "t127"."active_users" * "t127"."window_days"
      ) > 0
      THEN CAST("t127"."user_days" AS DOUBLE PRECISION) / CAST("t127"."active_users" * "t127"."window_days" AS DOUBLE PRECISION)
      ELSE CAST(NULL AS DOUBLE PRECISION)
    END
  END AS "stickiness",
  CASE
    WHEN "t127"."users_unknown"
    THEN CAST(NULL AS DOUBLE PRECISION)
    ELSE CASE
      WHEN "t127"."active_users" > 0
      THEN CAST("t127"."user_days" AS DOUBLE PRECISION) / CAST("t127"."active_users" AS DOUBLE PRECISION)
      ELSE CAST(NULL AS DOUBLE PRECISION)
    END
  END AS "active_days_per_active_user",
  CASE
    WHEN "t127"."users_unknown"
    THEN CAST(NULL AS DOUBLE PRECISION)
    ELSE CASE
      WHEN "t127"."key_features_total" > 0
      THEN CAST("t127"."key_features_adopted" AS DOUBLE PRECISION) / CAST("t127"."key_features_total" AS DOUBLE PRECISION)
      ELSE CAST(NULL AS DOUBLE PRECISION)
    END
  END AS "key_feature_adoption",
  CASE
    WHEN "t127"."criticality_total" > 0
    THEN CAST("t127"."criticality_run" AS DOUBLE PRECISION) / "t127"."criticality_total"
    ELSE CAST(NULL AS DOUBLE PRECISION)
  END AS "process_coverage",
  CASE
    WHEN "t127"."working_days" > 0
    THEN CASE
      WHEN "t127"."critical_weight" > 0
      THEN CAST("t127"."critical_regular_weight" AS DOUBLE PRECISION) / "t127"."critical_weight"
      ELSE CAST(NULL AS DOUBLE PRECISION)
    END
    ELSE CAST(NULL AS DOUBLE PRECISION)
  END AS "critical_process_regularity",
  CASE
    WHEN "t127"."users_unknown"
    THEN CAST(NULL AS DOUBLE PRECISION)
    ELSE CASE
      WHEN "t127"."critical_processes" > 0
      THEN CASE
        WHEN "t127"."active_users" > 0
        THEN CAST("t127"."critical_users" AS DOUBLE PRECISION) / CAST("t127"."active_users" AS DOUBLE PRECISION)
        ELSE CAST(NULL AS DOUBLE PRECISION)
      END
      ELSE CAST(NULL AS DOUBLE PRECISION)
    END
  END AS "critical_process_reach"
FROM (
  SELECT
    "t126"."as_of",
    "t126"."account_id",
    "t126"."segment",
    "t126"."model_segment",
    "t126"."seats",
    "t126"."tenure_days",
    "t126"."window_from",
    "t126"."window_days",
    "t126"."working_days",
    "t126"."segment_key",
    "t126"."active_users",
    "t126"."user_days",
    "t126"."key_features_total",
    "t126"."key_features_adopted",
    "t126"."criticality_run",
    "t126"."processes_run",
    "t126"."critical_regular_weight",
    "t126"."critical_users",
    "t126"."nps",
    "t126"."nps__date",
    "t126"."won_value_90d",
    "t126"."won_value_90d__date",
    "t126"."criticality_total",
    "t126"."processes_total",
    "t126"."critical_weight",
    "t126"."critical_processes",
    "t126"."users_unknown"
  FROM (
    SELECT
      "t125"."as_of",
      "t125"."account_id",
      "t125"."segment",
      "t125"."model_segment",
      "t125"."seats",
      "t125"."tenure_days",
      "t125"."window_from",
      "t125"."window_days",
      "t125"."working_days",
      "t125"."segment_key",
      COALESCE("t125"."active_users", 0) AS "active_users",
      COALESCE("t125"."user_days", 0) AS "user_days",
      COALESCE("t125"."key_features_total", 0) AS "key_features_total",
      COALESCE("t125"."key_features_adopted", 0) AS "key_features_adopted",
      COALESCE("t125"."criticality_run", 0) AS "criticality_run",
      COALESCE("t125"."processes_run", 0) AS "processes_run",
      COALESCE("t125"."critical_regular_weight", 0) AS "critical_regular_weight",
      COALESCE("t125"."critical_users", 0) AS "critical_users",
      "t125"."nps",
      "t125"."nps__date",
      "t125"."won_value_90d",
      "t125"."won_value_90d__date",
      COALESCE("t125"."criticality_total", 0) AS "criticality_total",
      COALESCE("t125"."processes_total", 0) AS "processes_total",
      COALESCE("t125"."critical_weight", 0) AS "critical_weight",
      COALESCE("t125"."critical_processes", 0) AS "critical_processes",
      "t125"."_first_day",
      "t125"."_first_user_day",
      COALESCE(
        (
          "t125"."_first_day" <= "t125"."as_of"
        )
        AND (
          (
            "t125"."_first_user_day" IS NULL
          )
          OR (
            "t125"."_first_user_day" > "t125"."as_of"
          )
        ),
        FALSE
      ) AS "users_unknown"
    FROM (
      SELECT
        "t105"."as_of",
        "t105"."account_id",
        "t105"."segment",
        "t105"."model_segment",
        "t105"."seats",
        "t105"."tenure_days",
        "t105"."window_from",
        "t105"."window_days",
        "t105"."working_days",
        "t105"."segment_key",
        "t114"."active_users",
        "t114"."user_days",
        "t124"."key_features_total",
        "t124"."key_features_adopted",
        "t123"."criticality_run",
        "t123"."processes_run",
        "t123"."critical_regular_weight",
        "t116"."critical_users",
        "t74"."nps",
        "t74"."nps__date",
        "t75"."won_value_90d",
        "t75"."won_value_90d__date",
        "t80"."criticality_total",
        "t80"."processes_total",
        "t80"."critical_weight",
        "t80"."critical_processes",
        "t49"."_first_day",
        "t49"."_first_user_day"
      FROM (
        SELECT
          "t93"."as_of",
          "t93"."account_id",
          "t93"."segment",
          "t93"."model_segment",
          "t93"."seats",
          "t93"."tenure_days",
          "t93"."window_from",
          "t93"."window_days",
          COALESCE("t93"."_work_through" - "t93"."_work_before", 0) AS "working_days",
          CASE
            WHEN "t93"."model_segment" IN ('default', 'starter', 'onboarding')
            THEN "t93"."model_segment"
            ELSE 'default'
          END AS "segment_key"
        FROM "t91" AS "t93"
      ) AS "t105"
      LEFT OUTER JOIN (
        SELECT
          "t102"."as_of",
          "t102"."account_id",
          COUNT(*) AS "active_users",
          SUM("t102"."_days") AS "user_days"
        FROM (
          SELECT
            "t95"."as_of",
            "t95"."account_id",
            "t95"."user_id",
            SUM("t95"."_days") AS "_days"
          FROM (
            SELECT
              "t88"."account_id",
              "t88"."user_id",
              "t88"."stretch",
              "t88"."_days",
              "t16"."as_of"
            FROM (
              SELECT
                "t81"."account_id",
                "t81"."user_id",
                "t81"."stretch",
                COUNT(*) AS "_days"
              FROM (
                SELECT DISTINCT
                  "t73"."account_id",
                  "t73"."user_id",
                  "t73"."day",
                  "t73"."stretch"
                FROM "t68" AS "t73"
                WHERE
                  "t73"."user_id" IS NOT NULL
              ) AS "t81"
              GROUP BY
                1,
                2,
                3
            ) AS "t88"
            INNER JOIN "memtable_4" AS "t16"
              ON "t88"."stretch" = "t16"."stretch"
          ) AS "t95"
          GROUP BY
            1,
            2,
            3
        ) AS "t102"
        GROUP BY
          1,
          2
      ) AS "t114"
        ON "t105"."as_of" = "t114"."as_of" AND "t105"."account_id" = "t114"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t110"."as_of",
          "t110"."account_id",
          "t30"."key_features_total",
          "t120"."key_features_adopted"
        FROM "t99" AS "t110"
        INNER JOIN (
          SELECT
            "t2"."segment_key",
            COUNT(*) AS "key_features_total"
          FROM "memtable_5" AS "t2"
          GROUP BY
            1
        ) AS "t30"
          ON "t110"."segment_key" = "t30"."segment_key"
        LEFT OUTER JOIN (
          SELECT
            "t118"."as_of",
            "t118"."account_id",
            COUNT(*) AS "key_features_adopted"
          FROM (
            SELECT
              "t112"."as_of",
              "t112"."account_id",
              "t112"."feature",
              "t112"."feature_users",
              "t111"."segment_key"
            FROM (
              SELECT
                *
              FROM (
                SELECT
                  "t92"."as_of",
                  "t92"."account_id",
                  "t92"."feature",
                  COUNT(DISTINCT "t92"."user_id") AS "feature_users"
                FROM (
                  SELECT
                    "t85"."account_id",
                    "t85"."feature",
                    "t85"."user_id",
                    "t85"."stretch",
                    "t16"."as_of"
                  FROM (
                    SELECT DISTINCT
                      "t73"."account_id",
                      "t73"."feature",
                      "t73"."user_id",
                      "t73"."stretch"
                    FROM "t68" AS "t73"
                    WHERE
                      "t73"."user_id" IS NOT NULL
                      AND "t73"."feature" IN (
                        'add_contact',
                        'add_lead',
                        'advance_stage',
                        'call_lead',
                        'create_opportunity',
                        'email_lead',
                        'meeting',
                        'quote',
                        'schedule_meeting',
                        'win_opportunity'
                      )
                  ) AS "t85"
                  INNER JOIN "memtable_4" AS "t16"
                    ON "t85"."stretch" = "t16"."stretch"
                ) AS "t92"
                GROUP BY
                  1,
                  2,
                  3
              ) AS "t98"
              WHERE
                "t98"."feature_users" >= 2
            ) AS "t112"
            INNER JOIN "t99" AS "t111"
              ON "t112"."as_of" = "t111"."as_of" AND "t112"."account_id" = "t111"."account_id"
            INNER JOIN "memtable_5" AS "t15"
              ON "t111"."segment_key" = "t15"."segment_key" AND "t112"."feature" = "t15"."feature"
          ) AS "t118"
          GROUP BY
            1,
            2
        ) AS "t120"
          ON "t110"."as_of" = "t120"."as_of" AND "t110"."account_id" = "t120"."account_id"
      ) AS "t124"
        ON "t105"."as_of" = "t124"."as_of" AND "t105"."account_id" = "t124"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t117"."as_of",
          "t117"."account_id",
          SUM("t117"."criticality") AS "criticality_run",
          COUNT(*) AS "processes_run",
          SUM(
            "t117"."criticality" * CASE
              WHEN "t117"."working_days" > 0
              THEN CAST("t117"."ran_working_days" AS DOUBLE PRECISION) / CAST("t117"."working_days" AS DOUBLE PRECISION)
              ELSE CAST(NULL AS DOUBLE PRECISION)
            END
          ) FILTER(WHERE
            "t117"."criticality" >= 4.0) AS "critical_regular_weight"
        FROM (
          SELECT
            "t109"."as_of",
            "t109"."account_id",
            "t109"."process",
            "t109"."ran_working_days",
            "t67"."criticality",
            "t106"."working_days"
          FROM (
            SELECT
              "t97"."as_of",
              "t97"."account_id",
              "t97"."process",
              SUM("t97"."_work") AS "ran_working_days"
            FROM (
              SELECT
                "t89"."account_id",
                "t89"."process",
                "t89"."stretch",
                "t89"."_work",
                "t16"."as_of"
              FROM (
                SELECT
                  "t76"."account_id",
                  "t76"."process",
                  "t76"."stretch",
                  COUNT(*) FILTER(WHERE
                    "t76"."is_working" = 1) AS "_work"
                FROM (
                  SELECT DISTINCT
                    *
                  FROM (
                    SELECT
                      "t59"."account_id",
                      "t21"."process",
                      "t59"."day",
                      "t20"."stretch",
                      "t20"."is_working"
                    FROM (
                      SELECT
                        "t51"."account_id",
                        "t51"."user_id",
                        "t51"."day",
                        "t51"."feature"
                      FROM (
                        SELECT
                          "t41"."account_id",
                          "t41"."user_id",
                          "t41"."day",
                          "t41"."feature",
                          "t41"."events",
                          "t41"."quantity",
                          "t41"."value",
                          "t35"."_contract_start"
                        FROM (
                          SELECT
                            *
                          FROM "daily_usage" AS "t0"
                          WHERE
                            "t0"."day" >= MAKE_DATE(2022, 6, 3) AND "t0"."day" <= MAKE_DATE(2022, 12, 31)
                        ) AS "t41"
                        INNER JOIN (
                          SELECT
                            "t7"."account_id",
                            "t7"."contract_start" AS "_contract_start"
                          FROM "accounts" AS "t7"
                        ) AS "t35"
                          ON "t41"."account_id" = "t35"."account_id"
                      ) AS "t51"
                      WHERE
                        "t51"."day" >= "t51"."_contract_start"
                    ) AS "t59"
                    INNER JOIN "memtable_1" AS "t20"
                      ON "t59"."day" = "t20"."day"
                    INNER JOIN "process_features" AS "t21"
                      ON "t59"."feature" = "t21"."feature"
                  ) AS "t70"
                ) AS "t76"
                GROUP BY
                  1,
                  2,
                  3
              ) AS "t89"
              INNER JOIN "memtable_4" AS "t16"
                ON "t89"."stretch" = "t16"."stretch"
            ) AS "t97"
            GROUP BY
              1,
              2,
              3
          ) AS "t109"
          INNER JOIN "t63" AS "t67"
            ON "t109"."account_id" = "t67"."account_id" AND "t109"."process" = "t67"."process"
          INNER JOIN (
            SELECT
              "t93"."as_of",
              "t93"."account_id",
              COALESCE("t93"."_work_through" - "t93"."_work_before", 0) AS "working_days"
            FROM "t91" AS "t93"
          ) AS "t106"
            ON "t109"."as_of" = "t106"."as_of" AND "t109"."account_id" = "t106"."account_id"
        ) AS "t117"
        GROUP BY
          1,
          2
      ) AS "t123"
        ON "t105"."as_of" = "t123"."as_of" AND "t105"."account_id" = "t123"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t108"."as_of",
          "t108"."account_id",
          COUNT(DISTINCT "t108"."user_id") AS "critical_users"
        FROM (
          SELECT
            "t96"."account_id",
            "t96"."user_id",
            "t96"."stretch",
            "t16"."as_of"
          FROM (
            SELECT DISTINCT
              *
            FROM (
              SELECT
                "t83"."account_id",
                "t83"."user_id",
                "t83"."stretch"
              FROM (
                SELECT
                  *
                FROM (
                  SELECT
                    "t59"."account_id",
                    "t59"."user_id",
                    "t59"."day",
                    "t59"."feature",
                    "t20"."stretch",
                    "t20"."is_working",
                    "t21"."process",
                    "t21"."_row"
                  FROM (
                    SELECT
                      "t51"."account_id",
                      "t51"."user_id",
                      "t51"."day",
                      "t51"."feature"
                    FROM (
                      SELECT
                        "t41"."account_id",
                        "t41"."user_id",
                        "t41"."day",
                        "t41"."feature",
                        "t41"."events",
                        "t41"."quantity",
                        "t41"."value",
                        "t35"."_contract_start"
                      FROM (
                        SELECT
                          *
                        FROM "daily_usage" AS "t0"
                        WHERE
                          "t0"."day" >= MAKE_DATE(2022, 6, 3) AND "t0"."day" <= MAKE_DATE(2022, 12, 31)
                      ) AS "t41"
                      INNER JOIN (
                        SELECT
                          "t7"."account_id",
                          "t7"."contract_start" AS "_contract_start"
                        FROM "accounts" AS "t7"
                      ) AS "t35"
                        ON "t41"."account_id" = "t35"."account_id"
                    ) AS "t51"
                    WHERE
                      "t51"."day" >= "t51"."_contract_start"
                  ) AS "t59"
                  INNER JOIN "memtable_1" AS "t20"
                    ON "t59"."day" = "t20"."day"
                  INNER JOIN "process_features" AS "t21"
                    ON "t59"."feature" = "t21"."feature"
                ) AS "t69"
                WHERE
                  "t69"."user_id" IS NOT NULL
              ) AS "t83"
              INNER JOIN (
                SELECT
                  "t57"."account_id",
                  "t57"."process"
                FROM "t55" AS "t57"
                WHERE
                  COALESCE("t57"."c_ovr", "t57"."c_seg", "t57"."c_star", 0.0) > 0
                  AND COALESCE("t57"."c_ovr", "t57"."c_seg", "t57"."c_star", 0.0) >= 4.0
              ) AS "t66"
                ON "t83"."account_id" = "t66"."account_id" AND "t83"."process" = "t66"."process"
            ) AS "t90"
          ) AS "t96"
          INNER JOIN "memtable_4" AS "t16"
            ON "t96"."stretch" = "t16"."stretch"
        ) AS "t108"
        GROUP BY
          1,
          2
      ) AS "t116"
        ON "t105"."as_of" = "t116"."as_of" AND "t105"."account_id" = "t116"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t60"."as_of",
          "t60"."account_id",
          "t60"."value" AS "nps",
          "t60"."date" AS "nps__date"
        FROM (
          SELECT
            "t52"."account_id",
            "t52"."metric",
            "t52"."value",
            "t52"."date",
            "t52"."_row",
            "t52"."as_of",
            "t52"."since",
            ROW_NUMBER() OVER (
              PARTITION BY "t52"."as_of", "t52"."account_id"
              ORDER BY "t52"."date" DESC NULLS LAST
              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            ) - 1 AS "_n"
          FROM (
            SELECT
              "t43"."account_id",
              "t43"."metric",
              "t43"."value",
              "t43"."date",
              "t43"."_row",
              "t17"."as_of",
              "t17"."since"
            FROM (
              SELECT
                *
              FROM "signals" AS "t4"
              WHERE
                "t4"."metric" = 'nps'
            ) AS "t43"
            INNER JOIN "memtable_6" AS "t17"
              ON "t43"."date" >= "t17"."since" AND "t43"."date" <= "t17"."as_of"
          ) AS "t52"
        ) AS "t60"
        WHERE
          "t60"."_n" = 0
      ) AS "t74"
        ON "t105"."as_of" = "t74"."as_of" AND "t105"."account_id" = "t74"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t61"."as_of",
          "t61"."account_id",
          "t61"."value" AS "won_value_90d",
          "t61"."date" AS "won_value_90d__date"
        FROM (
          SELECT
            "t53"."account_id",
            "t53"."metric",
            "t53"."value",
            "t53"."date",
            "t53"."_row",
            "t53"."as_of",
            "t53"."since",
            ROW_NUMBER() OVER (
              PARTITION BY "t53"."as_of", "t53"."account_id"
              ORDER BY "t53"."date" DESC NULLS LAST
              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
            ) - 1 AS "_n"
          FROM (
            SELECT
              "t44"."account_id",
              "t44"."metric",
              "t44"."value",
              "t44"."date",
              "t44"."_row",
              "t18"."as_of",
              "t18"."since"
            FROM (
              SELECT
                *
              FROM "signals" AS "t4"
              WHERE
                "t4"."metric" = 'won_value_90d'
            ) AS "t44"
            INNER JOIN "memtable_7" AS "t18"
              ON "t44"."date" >= "t18"."since" AND "t44"."date" <= "t18"."as_of"
          ) AS "t53"
        ) AS "t61"
        WHERE
          "t61"."_n" = 0
      ) AS "t75"
        ON "t105"."as_of" = "t75"."as_of" AND "t105"."account_id" = "t75"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t65"."account_id",
          SUM("t65"."criticality") AS "criticality_total",
          COUNT(*) AS "processes_total",
          SUM("t65"."criticality") FILTER(WHERE
            "t65"."criticality" >= 4.0) AS "critical_weight",
          COUNT(*) FILTER(WHERE
            "t65"."criticality" >= 4.0) AS "critical_processes"
        FROM "t63" AS "t65"
        GROUP BY
          1
      ) AS "t80"
        ON "t105"."account_id" = "t80"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t0"."account_id",
          MIN("t0"."day") AS "_first_day",
          MIN("t0"."day") FILTER(WHERE
            "t0"."user_id" IS NOT NULL) AS "_first_user_day"
        FROM "daily_usage" AS "t0"
        GROUP BY
          1
      ) AS "t49"
        ON "t105"."account_id" = "t49"."account_id"
    ) AS "t125"
  ) AS "t126"
) AS "t127"
