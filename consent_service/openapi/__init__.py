"""The OpenAPI document, made from the routes themselves (docs/decisions/0027).

`operations.py` is what a route declares next to itself (its own answers, its body);
`document.py` walks the app's URL map and adds what follows from the kind of route (a key and
its scope, a JSON body, a public page), so that no route and no common answer is left out.
"""
