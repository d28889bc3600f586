"""The first-start and bootstrap keys of older databases get the `enterprise` tier.

`serve` made them `free` (60 requests a minute), and an operator signed in to the
dashboard with one met that limit within 15 seconds (issue 16); it now makes them
`enterprise`. They are recognised as `serve` made them: global, the scope `*:*` alone,
tier `free`, named "admin (first start)" or "bootstrap". A key someone else gave such a
name is a global `*:*` key too, which could have granted itself this tier anyway.
"""

UPGRADE = """UPDATE api_key SET tier = 'enterprise'
    WHERE tier = 'free' AND organization_id IS NULL AND scopes = '["*:*"]'
      AND name IN ('admin (first start)', 'bootstrap')"""


def apply(db, now):
    db.execute_sql(UPGRADE)
