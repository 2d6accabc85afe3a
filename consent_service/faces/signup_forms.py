"""A sign-up form as HTML, for the faces that show one: the public form page and its embed
snippet (web/forms.py), and the console's list of forms, which shows the snippet to copy
(console/sign_up_forms.py). Kept here so that neither face imports the other."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from consent_service.domain.forms import HONEYPOT, SignupForm
from consent_service.domain.purposes import CATALOGUE


def purpose_choices(form: SignupForm, ticked: set[str]) -> list[dict[str, object]]:
    """The form's purposes as its checkboxes, in the current language."""
    return [
        {
            "id": purpose,
            "title": _(CATALOGUE[purpose].title),
            "description": _(CATALOGUE[purpose].description),
            "ticked": purpose in ticked,
        }
        for purpose in form.purposes
    ]


def embed_snippet(form: SignupForm, base: str) -> str:
    """The HTML of `form` a shop pastes into its page, in the form's own language."""
    with force_locale(form.default_locale):
        snippet = render_template(
            "web/signup_snippet.html",
            action=f"{base}/f/{form.form_id}",
            policy=f"{base}/policy",
            locale=form.default_locale,
            form_id=form.form_id,
            purposes=purpose_choices(form, set()),
            honeypot=HONEYPOT,
        )
    return snippet.strip() + "\n"
