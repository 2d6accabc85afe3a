"""The marketing desk in Chromium against the real mailer: a sender makes a campaign in Kyrgyz
and Russian through the form, sends themself a test and finds it at the fake SendGrid, runs
it and watches the run's counts move without a reload (and sees them per language), pauses
and resumes it, then retries the emails SendGrid refused, and only those.

Every part is a real process (`consent serve`, `consent relay`, `mailer work`, on PostgreSQL
and RabbitMQ), with email going to the fake SendGrid (tests/fake_sendgrid.py), which is told
to refuse the first requests of the run and to drop one without an answer, as the fault tests
do (tests/e2e/test_campaign_faults.py). The mailer sends 2 emails a second, so that a run of
30 lasts long enough to be watched and paused. axe checks every console page on the way.
"""

import time
from collections import Counter
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.console.desk import CONTENT, fill_campaign, latest_run_url
from tests.browser.console.site import ConsoleSite, sign_in, submit
from tests.browser.site import PublicSite
from tests.browser.test_accessibility import BLOCKING, describe
from tests.campaign_stack import (
    campaign_stack,
    ledger_of,
    recipients_of,
    seed_subscribers,
    sent_so_far,
    wait_for_view,
)
from tests.fake_sendgrid import FakeSendGrid
from tests.stack import Stack, wait_until

SUBSCRIBERS = 30
PURPOSE = "promotions"  # the purpose the desk's form chooses (tests/browser/console/desk.py)
LIVE_MS = 30_000
"""How long a count may take to move on the run page: the mailer reports about once a second,
the relay applies it, and the page fetches its live part every 3 seconds."""

axe = Axe()
pytestmark = pytest.mark.postgres


@pytest.fixture
def fake() -> Iterator[FakeSendGrid]:
    with FakeSendGrid() as server:
        yield server


def assert_accessible(page: Page) -> None:
    violations = axe.run(page).response["violations"]
    blocking = [describe(v) for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url}:\n" + "\n".join(blocking)


def _ready(stack: Stack) -> ConsoleSite:
    """API up, subscribers seeded in ky, en and ru, relay and mailer running with a full view."""
    stack.start("api")
    seed_subscribers(stack, SUBSCRIBERS, PURPOSE)
    stack.start("relay")
    stack.start("mailer")
    wait_for_view(stack, SUBSCRIBERS, PURPOSE)
    return ConsoleSite(PublicSite(stack))


def _run_id(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def _stable(fake: FakeSendGrid, seconds: float = 1.5) -> bool:
    """Nothing more reached the fake SendGrid for `seconds` (a batch in hand may finish)."""
    before = sent_so_far(fake)
    time.sleep(seconds)
    return sent_so_far(fake) == before


def _count(page: Page, field: str) -> int:
    return int(page.locator(f"#count-{field}").inner_text())


def test_a_sender_tests_runs_pauses_and_retries_a_campaign_through_the_mailer(
    open_page, tmp_path, fake, rabbitmq_url, screenshot
) -> None:
    settings = {"BROKER_URL": rabbitmq_url, "MAILER_BATCH_SIZE": "2", "MAILER_SEND_RATE": "2"}
    with campaign_stack(tmp_path, "rabbitmq", fake, **settings) as stack:
        console = _ready(stack)
        sender = console.ready_person("sender", "Azamat")
        page: Page = open_page(locale="en")
        page.goto(console.url("/console/login"))
        assert_accessible(page)
        sign_in(page, console, sender)
        expect(page).to_have_url(console.url("/console/"))
        assert_accessible(page)

        # 1. A campaign in Kyrgyz and Russian; a third of the subscribers speak English.
        page.goto(console.url("/console/campaigns/new"))
        assert_accessible(page)
        fill_campaign(page, "Desk against the mailer")
        submit(page, "#create-campaign")
        campaign_url = page.url.split("?")[0]
        expect(page.locator("p.success")).to_contain_text("The campaign was created.")
        expect(page.locator("#schedule-words")).to_have_text("every Monday at 09:00, Asia/Bishkek")
        expect(page.locator(".locale-warning")).to_contain_text(
            "10 recipient(s) speak English, which this campaign has no version in"
        )
        expect(page.locator("#campaign-status")).to_have_text("Scheduled")
        assert_accessible(page)

        # 2. A test to the sender, in Kyrgyz, marked, to nobody else and outside any run.
        expect(page.locator("#test-to-me")).to_be_checked()
        page.locator("#test-locale").select_option("ky")
        submit(page, "#send-test")
        expect(page.locator("p.success")).to_contain_text("The test email was queued")
        assert wait_until(lambda: fake.accepted(), 60, 0.2), "the test email never arrived"
        [test_email] = fake.accepted()
        assert test_email.email == sender.email
        assert test_email.rendered("subject") == f"[TEST] {CONTENT['ky'][0]}"
        assert test_email.categories == ["campaign_test"]
        assert "run_id" not in test_email.custom_args
        assert_accessible(page)

        # 3. The run: SendGrid refuses its first two requests (2 to 4 people `failed`) and
        # takes the third without answering (its people's email may have gone: `unknown`).
        fake.fail_next(400, 2)
        fake.drop_next(1)
        submit(page, "#action-run_now")
        expect(page.locator("p.success")).to_contain_text("A run was started")
        run_url = console.url(latest_run_url(page))
        page.goto(run_url)
        assert_accessible(page)
        page.evaluate("window.notReloaded = true")
        sent = page.locator("#count-sent")
        before = sent.inner_text()
        expect(sent).not_to_have_text(before, timeout=LIVE_MS)
        expect(page.locator("#run-status")).to_have_text("Sending")
        moved = sent.inner_text()
        assert int(before) < int(moved) < SUBSCRIBERS, (before, moved)
        assert page.evaluate("window.notReloaded === true"), "the run page was reloaded"
        screenshot(page, "sending")

        # 4. Pause from the campaign's page: the mailer stops mid-run; resume: it goes on.
        page.locator(".crumbs a", has_text="Desk against the mailer").click()
        expect(page).to_have_url(campaign_url)
        submit(page, "#action-pause")
        expect(page.locator("#campaign-status")).to_have_text("Paused")
        expect(page.locator("p.success")).to_contain_text("The campaign is paused")
        expect(page.locator("#action-resume")).to_be_visible()
        expect(page.locator("#action-run_now")).to_have_count(0)
        assert_accessible(page)
        assert wait_until(lambda: _stable(fake), 30), "sending did not stop after the pause"
        run_id = _run_id(run_url)
        held = len(recipients_of(fake, run_id))
        submit(page, "#action-resume")
        expect(page.locator("#campaign-status")).to_have_text("Scheduled")
        expect(page.locator("p.success")).to_contain_text("The campaign was resumed.")
        assert_accessible(page)
        page.goto(run_url)
        page.evaluate("window.notReloaded = true")
        paused_at = sent.inner_text()
        page.wait_for_function(
            "held => document.querySelector('#count-sent').textContent.trim() !== held",
            arg=paused_at,
            timeout=LIVE_MS,
        )
        assert int(sent.inner_text()) > int(paused_at)
        assert page.evaluate("window.notReloaded === true"), "the run page was reloaded"

        # 5. The run ends with failures; a retry sends to the refused still granted only.
        expect(page.locator("#run-status")).to_have_text("Completed", timeout=60_000)
        # The ended run's page draws itself again, with the button, and stops refreshing.
        expect(page.locator("#action-retry")).to_be_visible(timeout=LIVE_MS)
        assert page.locator("#run-counts").get_attribute("data-refresh") is None
        assert held < len(recipients_of(fake, run_id)), "the run had ended before the pause"
        states = ledger_of(stack, run_id)
        failed = sorted(s for s, state in states.items() if state == "failed")
        unknown = sorted(s for s, state in states.items() if state == "unknown")
        assert len(failed) >= 2 and unknown, states
        assert _count(page, "failed") == len(failed)
        assert _count(page, "unknown") == len(unknown)
        # Per language of the email, as the mailer counted them: the English speakers got the
        # Kyrgyz email (the default); at most 4 failed in all, so no language shows its own.
        expect(page.locator("#locale-ky-recipients")).to_have_text("20")
        expect(page.locator("#locale-ru-recipients")).to_have_text("10")
        for locale in ("ky", "ru"):
            expect(page.locator(f"#locale-{locale}-failed")).to_have_text("< 5")
        assert_accessible(page)
        screenshot(page, "failed")
        withdrawn = failed[0]
        status, _ = stack.call(
            "PUT",
            f"/v1/subjects/{withdrawn}/consents/{PURPOSE}",
            {"status": "withdrawn", "source": "admin"},
        )
        assert status == 200

        submit(page, "#action-retry")
        expect(page.locator("p.success")).to_contain_text(
            "A run was started for the emails that failed."
        )
        retry_url = console.url(latest_run_url(page))
        retry_id = _run_id(retry_url)
        assert retry_id != run_id
        page.goto(retry_url)
        expect(page.locator("#run-status")).to_have_text("Completed", timeout=60_000)
        expect(page.locator("#count-sent")).to_have_text(str(len(failed) - 1))
        expect(page.locator("#action-retry")).to_have_count(0)
        assert_accessible(page)

        assert sorted(recipients_of(fake, retry_id)) == failed[1:]
        assert not set(unknown) & set(recipients_of(fake, retry_id))
        received = Counter(recipients_of(fake, run_id) + recipients_of(fake, retry_id))
        assert all(n == 1 for n in received.values()), received
        page.goto(run_url)
        expect(page.locator("#action-retry")).to_have_count(0)  # at most once
