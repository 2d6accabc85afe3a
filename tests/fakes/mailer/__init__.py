"""The mailer's ports in memory, so that the services' rules are tested in milliseconds.

`FakeDatabase` (`store.py`) holds the mailer's tables as Python values and keeps the same
rules as the SQL stores, through the same functions of `mailer.domain`; where SQL says it in
a WHERE clause, the fake says it in Python, and `tests/mailer/test_store_contract.py` runs the
same scenarios against both so that they cannot drift apart. The fake is stricter than SQL in
one way: a ledger move the domain does not allow (`send_ledger.may_move`) raises.

`outside.py` holds what the sender talks to beyond its database: the registry's client, an
email backend, a clock, a throttle and a composer.
"""
