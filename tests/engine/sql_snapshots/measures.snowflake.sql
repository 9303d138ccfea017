WITH "t45" AS (
  SELECT
    "t26"."account_id",
    "t26"."segment",
    "t39"."process",
    "t37"."c_seg",
    "t38"."c_star",
    "t32"."c_ovr"
  FROM (
    SELECT
      "t7"."account_id",
      "t7"."segment"
    FROM "accounts" AS "t7"
  ) AS "t26"
  CROSS JOIN (
    SELECT
      *
    FROM (
      SELECT DISTINCT
        "t9"."process"
      FROM "process_criticality" AS "t9"
    ) AS "t21"
    UNION
    SELECT
      *
    FROM (
      SELECT
        "t10"."process"
      FROM "criticality_overrides" AS "t10"
    ) AS "t22"
  ) AS "t39"
  LEFT OUTER JOIN (
    SELECT
      "t9"."process",
      "t9"."segment",
      "t9"."criticality" AS "c_seg"
    FROM "process_criticality" AS "t9"
    WHERE
      "t9"."segment" <> '*'
  ) AS "t37"
    ON "t39"."process" = "t37"."process" AND "t26"."segment" = "t37"."segment"
  LEFT OUTER JOIN (
    SELECT
      "t9"."process",
      "t9"."criticality" AS "c_star"
    FROM "process_criticality" AS "t9"
    WHERE
      "t9"."segment" = '*'
  ) AS "t38"
    ON "t39"."process" = "t38"."process"
  LEFT OUTER JOIN (
    SELECT
      "t10"."account_id",
      "t10"."process",
      "t10"."criticality" AS "c_ovr"
    FROM "criticality_overrides" AS "t10"
  ) AS "t32"
    ON "t26"."account_id" = "t32"."account_id" AND "t39"."process" = "t32"."process"
), "t50" AS (
  SELECT
    "t46"."account_id",
    "t46"."segment",
    "t46"."arr",
    "t46"."seats",
    "t46"."contract_start",
    "t46"."as_of",
    "t46"."window_start",
    "t46"."window_days",
    "t46"."working_days"
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t27"."account_id",
        "t27"."segment",
        "t27"."arr",
        "t27"."seats",
        "t27"."contract_start",
        "t18"."as_of",
        "t18"."window_start",
        "t18"."window_days",
        "t18"."working_days"
      FROM (
        SELECT
          "t7"."account_id",
          "t7"."segment",
          "t7"."arr",
          "t7"."seats",
          "t7"."contract_start"
        FROM "accounts" AS "t7"
      ) AS "t27"
      CROSS JOIN "memtable_1" AS "t18"
    ) AS "t41"
    WHERE
      "t41"."contract_start" <= "t41"."as_of"
  ) AS "t46"
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
      ) AS "t36"
      WHERE
        "t46"."account_id" = "t36"."account_id" AND "t36"."churn_date" <= "t46"."as_of"
    )
), "t68" AS (
  SELECT
    "t64"."account_id",
    "t64"."segment",
    "t64"."arr",
    "t64"."seats",
    "t64"."contract_start",
    "t64"."as_of",
    "t64"."window_start",
    "t64"."window_days",
    "t64"."model_segment",
    "t64"."tenure_days",
    "t64"."window_from",
    "t67"."working_days"
  FROM (
    SELECT
      "t62".*
      EXCLUDE ("working_days")
    FROM (
      SELECT
        "t53"."account_id",
        "t53"."segment",
        "t53"."arr",
        "t53"."seats",
        "t53"."contract_start",
        "t53"."as_of",
        "t53"."window_start",
        DATEDIFF(DAY, GREATEST("t53"."window_start", "t53"."contract_start"), "t53"."as_of") + 1 AS "window_days",
        "t53"."working_days",
        CASE
          WHEN TRUE AND (
            DATEDIFF(DAY, "t53"."contract_start", "t53"."as_of") <= 60.0
          )
          THEN 'onboarding'
          WHEN TRUE AND "t53"."segment" IN ('starter')
          THEN 'starter'
          ELSE 'default'
        END AS "model_segment",
        DATEDIFF(DAY, "t53"."contract_start", "t53"."as_of") AS "tenure_days",
        GREATEST("t53"."window_start", "t53"."contract_start") AS "window_from"
      FROM "t50" AS "t53"
    ) AS "t62"
  ) AS "t64"
  LEFT OUTER JOIN (
    SELECT
      "t65"."as_of",
      "t65"."account_id",
      SUM("t65"."is_working") AS "working_days"
    FROM (
      SELECT
        "t61"."as_of",
        "t61"."account_id",
        "t61"."window_from",
        "t16"."day",
        "t16"."is_working"
      FROM (
        SELECT
          "t53"."as_of",
          "t53"."account_id",
          GREATEST("t53"."window_start", "t53"."contract_start") AS "window_from"
        FROM "t50" AS "t53"
      ) AS "t61"
      INNER JOIN "memtable_2" AS "t16"
        ON "t16"."day" >= "t61"."window_from" AND "t16"."day" <= "t61"."as_of"
    ) AS "t65"
    GROUP BY
      1,
      2
  ) AS "t67"
    ON "t64"."as_of" = "t67"."as_of" AND "t64"."account_id" = "t67"."account_id"
), "t84" AS (
  SELECT
    "t81"."as_of",
    "t81"."account_id",
    "t81"."user_id",
    "t81"."day",
    "t17"."process"
  FROM (
    SELECT
      "t79".*
      EXCLUDE ("window_from")
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t12"."account_id",
          "t12"."user_id",
          "t12"."day",
          "t12"."feature",
          "t12"."events",
          "t12"."quantity",
          "t12"."value",
          "t71"."as_of",
          "t71"."window_from"
        FROM "daily_usage" AS "t12"
        INNER JOIN (
          SELECT
            "t69"."as_of",
            "t69"."account_id",
            "t69"."window_from"
          FROM "t68" AS "t69"
        ) AS "t71"
          ON "t12"."account_id" = "t71"."account_id"
      ) AS "t78"
      WHERE
        "t78"."day" >= "t78"."window_from" AND "t78"."day" <= "t78"."as_of"
    ) AS "t79"
  ) AS "t81"
  INNER JOIN "process_features" AS "t17"
    ON "t81"."feature" = "t17"."feature"
)
SELECT
  "t107"."as_of",
  "t107"."account_id",
  "t107"."segment",
  "t107"."model_segment",
  "t107"."seats",
  "t107"."tenure_days",
  "t107"."window_from",
  "t107"."window_days",
  "t107"."working_days",
  "t107"."segment_key",
  "t107"."active_users",
  "t107"."user_days",
  "t107"."key_features_total",
  "t107"."key_features_adopted",
  "t107"."criticality_total",
  "t107"."criticality_run",
  "t107"."processes_total",
  "t107"."processes_run",
  "t107"."critical_weight",
  "t107"."critical_regular_weight",
  "t107"."critical_processes",
  "t107"."critical_users",
  "t107"."nps",
  "t107"."nps__date",
  "t107"."won_value_90d",
  "t107"."won_value_90d__date",
  "t107"."users_unknown",
  IFF(
    "t107"."users_unknown",
    CAST(NULL AS DOUBLE),
    IFF(
      "t107"."seats" > 0,
      CAST("t107"."active_users" AS DOUBLE) / CAST("t107"."seats" AS DOUBLE),
      CAST(NULL AS DOUBLE)
    )
  ) AS "active_seat_ratio",
  IFF(
    "t107"."users_unknown",
    CAST(NULL AS DOUBLE),
    IFF(
      (
        "t107"."active_users" * "t107"."window_days"
      ) > 0,
      CAST("t107"."user_days" AS DOUBLE) / CAST("t107"."active_users" * "t107"."window_days" AS DOUBLE),
      CAST(NULL AS DOUBLE)
    )
  ) AS "stickiness",
  IFF(
    "t107"."users_unknown",
    CAST(NULL AS DOUBLE),
    IFF(
      "t107"."active_users" > 0,
      CAST("t107"."user_days" AS DOUBLE) / CAST("t107"."active_users" AS DOUBLE),
      CAST(NULL AS DOUBLE)
    )
  ) AS "active_days_per_active_user",
  IFF(
    "t107"."users_unknown",
    CAST(NULL AS DOUBLE),
    IFF(
      "t107"."key_features_total" > 0,
      CAST("t107"."key_features_adopted" AS DOUBLE) / CAST("t107"."key_features_total" AS DOUBLE),
      CAST(NULL AS DOUBLE)
    )
  ) AS "key_feature_adoption",
  IFF(
    "t107"."criticality_total" > 0,
    "t107"."criticality_run" / "t107"."criticality_total",
    CAST(NULL AS DOUBLE)
  ) AS "process_coverage",
  IFF(
    "t107"."working_days" > 0,
    IFF(
      "t107"."critical_weight" > 0,
      "t107"."critical_regular_weight" / "t107"."critical_weight",
      CAST(NULL AS DOUBLE)
    ),
    CAST(NULL AS DOUBLE)
  ) AS "critical_process_regularity",
  IFF(
    "t107"."users_unknown",
    CAST(NULL AS DOUBLE),
    IFF(
      "t107"."critical_processes" > 0,
      IFF(
        "t107"."active_users" > 0,
        CAST("t107"."critical_users" AS DOUBLE) / CAST("t107"."active_users" AS DOUBLE),
        CAST(NULL AS DOUBLE)
      ),
      CAST(NULL AS DOUBLE)
    )
  ) AS "critical_process_reach"
FROM (
  SELECT
    "t106".*
    EXCLUDE ("_first_day", "_first_user_day")
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
      COALESCE("t105"."active_users", 0) AS "active_users",
      COALESCE("t105"."user_days", 0) AS "user_days",
      COALESCE("t105"."key_features_total", 0) AS "key_features_total",
      COALESCE("t105"."key_features_adopted", 0) AS "key_features_adopted",
      COALESCE("t105"."criticality_total", 0) AS "criticality_total",
      COALESCE("t105"."criticality_run", 0) AS "criticality_run",
      COALESCE("t105"."processes_total", 0) AS "processes_total",
      COALESCE("t105"."processes_run", 0) AS "processes_run",
      COALESCE("t105"."critical_weight", 0) AS "critical_weight",
      COALESCE("t105"."critical_regular_weight", 0) AS "critical_regular_weight",
      COALESCE("t105"."critical_processes", 0) AS "critical_processes",
      COALESCE("t105"."critical_users", 0) AS "critical_users",
      "t105"."nps",
      "t105"."nps__date",
      "t105"."won_value_90d",
      "t105"."won_value_90d__date",
      "t105"."_first_day",
      "t105"."_first_user_day",
      COALESCE(
        (
          "t105"."_first_day" <= "t105"."as_of"
        )
        AND (
          (
            "t105"."_first_user_day" IS NULL
          )
          OR (
            "t105"."_first_user_day" > "t105"."as_of"
          )
        ),
        FALSE
      ) AS "users_unknown"
    FROM (
      SELECT
        "t76"."as_of",
        "t76"."account_id",
        "t76"."segment",
        "t76"."model_segment",
        "t76"."seats",
        "t76"."tenure_days",
        "t76"."window_from",
        "t76"."window_days",
        "t76"."working_days",
        "t76"."segment_key",
        "t88"."active_users",
        "t88"."user_days",
        "t102"."key_features_total",
        "t102"."key_features_adopted",
        "t104"."criticality_total",
        "t104"."criticality_run",
        "t104"."processes_total",
        "t104"."processes_run",
        "t104"."critical_weight",
        "t104"."critical_regular_weight",
        "t104"."critical_processes",
        "t99"."critical_users",
        "t58"."nps",
        "t58"."nps__date",
        "t59"."won_value_90d",
        "t59"."won_value_90d__date",
        "t40"."_first_day",
        "t40"."_first_user_day"
      FROM (
        SELECT
          "t69"."as_of",
          "t69"."account_id",
          "t69"."segment",
          "t69"."model_segment",
          "t69"."seats",
          "t69"."tenure_days",
          "t69"."window_from",
          "t69"."window_days",
          COALESCE("t69"."working_days", 0) AS "working_days",
          IFF(
            "t69"."model_segment" IN ('default', 'starter', 'onboarding'),
            "t69"."model_segment",
            'default'
          ) AS "segment_key"
        FROM "t68" AS "t69"
      ) AS "t76"
      LEFT OUTER JOIN (
        SELECT
          "t82"."as_of",
          "t82"."account_id",
          COUNT(DISTINCT "t82"."user_id") AS "active_users",
          COUNT(*) AS "user_days"
        FROM (
          SELECT DISTINCT
            "t80"."as_of",
            "t80"."account_id",
            "t80"."user_id",
            "t80"."day"
          FROM (
            SELECT
              "t79".*
              EXCLUDE ("window_from")
            FROM (
              SELECT
                *
              FROM (
                SELECT
                  "t12"."account_id",
                  "t12"."user_id",
                  "t12"."day",
                  "t12"."feature",
                  "t12"."events",
                  "t12"."quantity",
                  "t12"."value",
                  "t71"."as_of",
                  "t71"."window_from"
                FROM "daily_usage" AS "t12"
                INNER JOIN (
                  SELECT
                    "t69"."as_of",
                    "t69"."account_id",
                    "t69"."window_from"
                  FROM "t68" AS "t69"
                ) AS "t71"
                  ON "t12"."account_id" = "t71"."account_id"
              ) AS "t78"
              WHERE
                "t78"."day" >= "t78"."window_from" AND "t78"."day" <= "t78"."as_of"
            ) AS "t79"
          ) AS "t80"
          WHERE
            "t80"."user_id" IS NOT NULL
        ) AS "t82"
        GROUP BY
          1,
          2
      ) AS "t88"
        ON "t76"."as_of" = "t88"."as_of" AND "t76"."account_id" = "t88"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t95"."as_of",
          "t95"."account_id",
          COUNT(DISTINCT "t95"."feature") AS "key_features_total",
          SUM(CAST("t95"."feature_users" IS NOT NULL AS BIGINT)) AS "key_features_adopted"
        FROM (
          SELECT
            "t77"."as_of",
            "t77"."account_id",
            "t77"."segment_key",
            "t13"."feature",
            "t92"."as_of" AS "as_of_right",
            "t92"."account_id" AS "account_id_right",
            "t92"."feature" AS "feature_right",
            "t92"."feature_users"
          FROM (
            SELECT
              "t69"."as_of",
              "t69"."account_id",
              IFF(
                "t69"."model_segment" IN ('default', 'starter', 'onboarding'),
                "t69"."model_segment",
                'default'
              ) AS "segment_key"
            FROM "t68" AS "t69"
          ) AS "t77"
          INNER JOIN "memtable_3" AS "t13"
            ON "t77"."segment_key" = "t13"."segment_key"
          LEFT OUTER JOIN (
            SELECT
              *
            FROM (
              SELECT
                "t83"."as_of",
                "t83"."account_id",
                "t83"."feature",
                COUNT(DISTINCT "t83"."user_id") AS "feature_users"
              FROM (
                SELECT
                  *
                FROM (
                  SELECT
                    "t79".*
                    EXCLUDE ("window_from")
                  FROM (
                    SELECT
                      *
                    FROM (
                      SELECT
                        "t12"."account_id",
                        "t12"."user_id",
                        "t12"."day",
                        "t12"."feature",
                        "t12"."events",
                        "t12"."quantity",
                        "t12"."value",
                        "t71"."as_of",
                        "t71"."window_from"
                      FROM "daily_usage" AS "t12"
                      INNER JOIN (
                        SELECT
                          "t69"."as_of",
                          "t69"."account_id",
                          "t69"."window_from"
                        FROM "t68" AS "t69"
                      ) AS "t71"
                        ON "t12"."account_id" = "t71"."account_id"
                    ) AS "t78"
                    WHERE
                      "t78"."day" >= "t78"."window_from" AND "t78"."day" <= "t78"."as_of"
                  ) AS "t79"
                ) AS "t80"
                WHERE
                  "t80"."user_id" IS NOT NULL
              ) AS "t83"
              GROUP BY
                1,
                2,
                3
            ) AS "t86"
            WHERE
              "t86"."feature_users" >= 2
          ) AS "t92"
            ON "t77"."as_of" = "t92"."as_of"
            AND "t77"."account_id" = "t92"."account_id"
            AND "t13"."feature" = "t92"."feature"
        ) AS "t95"
        GROUP BY
          1,
          2
      ) AS "t102"
        ON "t76"."as_of" = "t102"."as_of" AND "t76"."account_id" = "t102"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t100"."as_of",
          "t100"."account_id",
          SUM("t100"."criticality") AS "criticality_total",
          SUM(IFF(COALESCE("t100"."ran_days", 0) > 0, "t100"."criticality", NULL)) AS "criticality_run",
          COUNT(*) AS "processes_total",
          SUM(CAST(COALESCE("t100"."ran_days", 0) > 0 AS BIGINT)) AS "processes_run",
          SUM(IFF("t100"."criticality" >= 4.0, "t100"."criticality", NULL)) AS "critical_weight",
          SUM(
            IFF(
              "t100"."criticality" >= 4.0,
              "t100"."criticality" * IFF(
                "t100"."working_days" > 0,
                CAST(COALESCE("t100"."ran_working_days", 0) AS DOUBLE) / CAST("t100"."working_days" AS DOUBLE),
                CAST(NULL AS DOUBLE)
              ),
              NULL
            )
          ) AS "critical_regular_weight",
          SUM(CAST("t100"."criticality" >= 4.0 AS BIGINT)) AS "critical_processes"
        FROM (
          SELECT
            "t75"."as_of",
            "t75"."account_id",
            "t75"."working_days",
            "t54"."process",
            "t54"."criticality",
            "t97"."ran_days",
            "t97"."ran_working_days"
          FROM (
            SELECT
              "t69"."as_of",
              "t69"."account_id",
              COALESCE("t69"."working_days", 0) AS "working_days"
            FROM "t68" AS "t69"
          ) AS "t75"
          INNER JOIN (
            SELECT
              "t47"."account_id",
              "t47"."process",
              COALESCE("t47"."c_ovr", "t47"."c_seg", "t47"."c_star", 0.0) AS "criticality"
            FROM "t45" AS "t47"
            WHERE
              COALESCE("t47"."c_ovr", "t47"."c_seg", "t47"."c_star", 0.0) > 0
          ) AS "t54"
            ON "t75"."account_id" = "t54"."account_id"
          LEFT OUTER JOIN (
            SELECT
              "t89"."as_of",
              "t89"."account_id",
              "t89"."process",
              COUNT(DISTINCT "t89"."day") AS "ran_days",
              COUNT(
                DISTINCT IFF((
                  DAYOFWEEK("t89"."day") + 6
                ) % 7 IN (0, 1, 2, 3, 4), "t89"."day", NULL)
              ) AS "ran_working_days"
            FROM (
              SELECT DISTINCT
                *
              FROM "t84" AS "t87"
            ) AS "t89"
            GROUP BY
              1,
              2,
              3
          ) AS "t97"
            ON "t75"."as_of" = "t97"."as_of"
            AND "t75"."account_id" = "t97"."account_id"
            AND "t54"."process" = "t97"."process"
        ) AS "t100"
        GROUP BY
          1,
          2
      ) AS "t104"
        ON "t76"."as_of" = "t104"."as_of" AND "t76"."account_id" = "t104"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t96"."as_of",
          "t96"."account_id",
          COUNT(DISTINCT "t96"."user_id") AS "critical_users"
        FROM (
          SELECT
            "t93"."as_of",
            "t93"."account_id",
            "t93"."user_id",
            "t93"."day",
            "t93"."process"
          FROM (
            SELECT DISTINCT
              *
            FROM "t84" AS "t87"
            WHERE
              "t87"."user_id" IS NOT NULL
          ) AS "t93"
          INNER JOIN (
            SELECT
              "t47"."account_id",
              "t47"."process"
            FROM "t45" AS "t47"
            WHERE
              COALESCE("t47"."c_ovr", "t47"."c_seg", "t47"."c_star", 0.0) > 0
              AND COALESCE("t47"."c_ovr", "t47"."c_seg", "t47"."c_star", 0.0) >= 4.0
          ) AS "t55"
            ON "t93"."account_id" = "t55"."account_id" AND "t93"."process" = "t55"."process"
        ) AS "t96"
        GROUP BY
          1,
          2
      ) AS "t99"
        ON "t76"."as_of" = "t99"."as_of" AND "t76"."account_id" = "t99"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t48"."as_of",
          "t48"."account_id",
          "t48"."value" AS "nps",
          "t48"."date" AS "nps__date"
        FROM (
          SELECT
            "t42"."account_id",
            "t42"."metric",
            "t42"."value",
            "t42"."date",
            "t42"."_row",
            "t42"."as_of",
            "t42"."since",
            ROW_NUMBER() OVER (
              PARTITION BY "t42"."as_of", "t42"."account_id"
              ORDER BY "t42"."date" DESC NULLS LAST
            ) - 1 AS "_n"
          FROM (
            SELECT
              "t34"."account_id",
              "t34"."metric",
              "t34"."value",
              "t34"."date",
              "t34"."_row",
              "t14"."as_of",
              "t14"."since"
            FROM (
              SELECT
                *
              FROM "signals" AS "t2"
              WHERE
                "t2"."metric" = 'nps'
            ) AS "t34"
            INNER JOIN "memtable_4" AS "t14"
              ON "t34"."date" >= "t14"."since" AND "t34"."date" <= "t14"."as_of"
          ) AS "t42"
        ) AS "t48"
        WHERE
          "t48"."_n" = 0
      ) AS "t58"
        ON "t76"."as_of" = "t58"."as_of" AND "t76"."account_id" = "t58"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t49"."as_of",
          "t49"."account_id",
          "t49"."value" AS "won_value_90d",
          "t49"."date" AS "won_value_90d__date"
        FROM (
          SELECT
            "t43"."account_id",
            "t43"."metric",
            "t43"."value",
            "t43"."date",
            "t43"."_row",
            "t43"."as_of",
            "t43"."since",
            ROW_NUMBER() OVER (
              PARTITION BY "t43"."as_of", "t43"."account_id"
              ORDER BY "t43"."date" DESC NULLS LAST
            ) - 1 AS "_n"
          FROM (
            SELECT
              "t35"."account_id",
              "t35"."metric",
              "t35"."value",
              "t35"."date",
              "t35"."_row",
              "t15"."as_of",
              "t15"."since"
            FROM (
              SELECT
                *
              FROM "signals" AS "t2"
              WHERE
                "t2"."metric" = 'won_value_90d'
            ) AS "t35"
            INNER JOIN "memtable_5" AS "t15"
              ON "t35"."date" >= "t15"."since" AND "t35"."date" <= "t15"."as_of"
          ) AS "t43"
        ) AS "t49"
        WHERE
          "t49"."_n" = 0
      ) AS "t59"
        ON "t76"."as_of" = "t59"."as_of" AND "t76"."account_id" = "t59"."account_id"
      LEFT OUTER JOIN (
        SELECT
          "t0"."account_id",
          MIN("t0"."day") AS "_first_day",
          MIN(IFF("t0"."user_id" IS NOT NULL, "t0"."day", NULL)) AS "_first_user_day"
        FROM "daily_usage" AS "t0"
        GROUP BY
          1
      ) AS "t40"
        ON "t76"."account_id" = "t40"."account_id"
    ) AS "t105"
  ) AS "t106"
) AS "t107"
