"""Every console page a browser test visits, in the navigation's order: the tour of
sign-in and campaigns (tour.py) and each desk's own stops. The accessibility check, the
no-JavaScript pass and the screenshots all walk this one list, so a new page's stops join here
once."""

from tests.browser.console.admin_tour import ADMIN_STOPS
from tests.browser.console.audit_tour import AUDIT_STOPS
from tests.browser.console.import_tour import IMPORT_STOPS
from tests.browser.console.layouts_tour import LAYOUT_STOPS
from tests.browser.console.policies_tour import POLICY_STOPS
from tests.browser.console.reports_tour import REPORT_STOPS
from tests.browser.console.requests_tour import REQUEST_STOPS
from tests.browser.console.subjects_tour import SUBJECT_STOPS
from tests.browser.console.tour import TOUR

EVERY_STOP = (
    *TOUR,
    *LAYOUT_STOPS,
    *REPORT_STOPS,
    *IMPORT_STOPS,
    *SUBJECT_STOPS,
    *REQUEST_STOPS,
    *POLICY_STOPS,
    *AUDIT_STOPS,
    *ADMIN_STOPS,
)
