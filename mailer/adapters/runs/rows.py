"""How a run row reads as the domain's `RunRecord`."""

from typing import Any

from mailer.adapters import orm
from mailer.domain.runs import RunRecord

_Run = orm.Run

RUN_COLUMNS = (
    _Run.run_id,
    _Run.campaign_id,
    _Run.campaign_name,
    _Run.purpose,
    _Run.default_locale,
    _Run.content,
    _Run.status,
    _Run.layout,
)


def run_record(row: Any) -> RunRecord:
    return RunRecord(
        row.run_id,
        row.campaign_id,
        row.campaign_name,
        row.purpose,
        row.default_locale,
        row.content,
        row.status,
        row.layout,
    )
