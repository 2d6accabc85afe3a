"""What the registry's faces share: the JSON API (`api/`), the public pages (`web/`) and the
operators' console (`console/`).

A face turns HTTP requests into calls of the services, and their results into answers. Every
face needs the same few things, and they live here: one transaction per request
(`transactions`), the clock (`clock`), who is acting (`actor`), request bodies as a schema
loads them (`bodies`), problem documents and the choice of which errors a person sees as a
page (`problems`, `error_pages`), the export with the mailer's part (`exports`) and rate
limits (`limits`); for the faces with pages (the public pages and the console), the CSRF
check of their forms (`csrf`) and the choice of language (`languages`). A face imports this
package and never another face; what only one face needs stays in it (Bearer keys in `api/`,
page rendering and layout in `web/` and `console/`).
tests/unit/test_layering.py holds the rules.
"""
