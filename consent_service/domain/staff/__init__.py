"""The rules for the shop's staff in the console (SPEC section 9), in plain Python.

- `roles`: the scopes a person may hold, the roles that bundle them, and who may grant which.
- `throttle`: when a login must wait after repeated failures.
- `sessions`: when a console session ends (idle and absolute timeouts).
- `groups`: single sign-on groups mapped to roles by `CONSOLE_OIDC_ROLES`.
- `accounts`: a member of staff, a session and an audit log entry, as plain data.
- `sign_in`: what a sign-in still owes (a code, a new password, an enrolment), and what a new
  password must be.

Decisions and alternatives: docs/decisions/0028-console-sign-in.md.
"""
