"""Sign-up form definitions (domain/forms.py)."""

from typing import Protocol

from consent_service.domain.forms import SignupForm


class Forms(Protocol):
    def add_form(self, form: SignupForm) -> None: ...

    def form(self, form_id: str) -> SignupForm | None: ...

    def forms(self) -> list[SignupForm]:
        """Every form, by id."""
        ...
