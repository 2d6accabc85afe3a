"""Domain errors: each one names a rule the caller broke, so adapters can map it to a reply."""


class DomainError(Exception):
    """A request that the rules refuse; nothing has been changed."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class InvalidEmail(DomainError):
    field = "email"


class UnknownPurpose(DomainError):
    field = "purposes"


class NotWithdrawable(DomainError):
    """The purpose rests on contract or legitimate interest, not on consent."""

    field = "purposes"


class InvalidTransition(DomainError):
    pass


class UnknownPolicyVersion(DomainError):
    field = "policy_version"


class SubjectNotFound(DomainError):
    pass


class Conflict(DomainError):
    """The request contradicts what is stored (an address held by someone else, a reused key)."""
