"""Rules of consent, in plain Python: no web, database or broker code may be imported here."""
