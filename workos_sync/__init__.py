"""Golden Record's WorkOS integration: a REST client written against WorkOS's API with
requests (`client`), WorkOS's webhook signature (`signature`), the WorkOS user → Golden
Record user mapping (`mapping`) and the bulk user sync (`sync`). The rules for applying
a WorkOS user to the store live in `goldenrecord.store.workos`."""
