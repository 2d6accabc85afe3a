"""The marketing desk in Chromium: a campaign in Kyrgyz and Russian made through the form, the
warning for the English its recipients speak, both previews in their sandboxed frames, and a
run's counts following the mailer's reports without a reload."""

# ruff: noqa: RUF001  (Kyrgyz and Russian words are written in Cyrillic)

from playwright.sync_api import Page, expect

from tests.browser.console.desk import create_campaign, latest_run_url, report
from tests.browser.console.site import sign_in, submit


def test_a_sender_creates_a_campaign_previews_it_and_follows_its_run(
    open_page, console, screenshot
) -> None:
    console.site.sign_up({"promotions": True}, locale="en")
    page: Page = open_page(locale="en")
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    sign_in(page, console, console.ready_person("sender", "Azamat"))

    address = create_campaign(page, console, "New Year sale")

    expect(page.locator("p.success")).to_contain_text("The campaign was created.")
    expect(page.locator(".locale-warning")).to_contain_text(
        "speak English, which this campaign has no version in"
    )
    expect(page.locator("#schedule-words")).to_have_text("every Monday at 09:00, Asia/Bishkek")
    expect(page.locator(".next-dates li")).to_have_count(5)
    kyrgyz = page.frame_locator("#preview-ky-html")
    expect(kyrgyz.locator("h1")).to_have_text("Саламатсызбы, Aigul Osmonova!")
    expect(kyrgyz.locator("h1")).to_have_css("color", "rgb(11, 110, 79)")  # its own styles
    expect(page.frame_locator("#preview-ru-html").locator("h1")).to_have_text(
        "Здравствуйте, Aigul Osmonova!"
    )
    expect(page.frame_locator("#preview-ru-text").locator("body")).to_contain_text(
        "В магазине «Ала-Тоо» начались новогодние скидки."
    )
    screenshot(page, "campaign")

    submit(page, "#action-run_now")
    expect(page.locator("p.success")).to_contain_text("A run was started")
    page.goto(console.url(latest_run_url(page)))
    expect(page.locator("#run-status")).to_have_text("Waiting for the mailer")

    report(console, address, 1, "running", 1200, 300)
    expect(page.locator("#count-sent")).to_have_text("300", timeout=20_000)  # no reload
    expect(page.locator("#run-status")).to_have_text("Sending")
    expect(page.locator("#run-locales-none")).to_be_visible()  # a `/1` report: no breakdown
    report(
        console,
        address,
        2,
        "completed",
        1200,
        1197,
        {
            "ky": {"recipients": 900, "sent": 900},
            "ru": {"recipients": 300, "sent": 297, "failed": 3},
        },
    )
    expect(page.locator("#count-sent")).to_have_text("1197", timeout=20_000)
    expect(page.locator("#run-status")).to_have_text("Completed")
    table = page.locator("#run-locales")
    expect(table.locator("thead th")).to_have_text(["Кыргызча", "Русский"])
    expect(page.locator("#locale-ru-sent")).to_have_text("297")
    expect(page.locator("#locale-ru-failed")).to_have_text("< 5")
    expect(page.locator("#locale-ky-failed")).to_have_text("< 5")
    expect(page.locator("#locale-ky-recipients")).to_have_text("900")
    screenshot(page, "run")

    assert not [text for text in violations if "Content Security Policy" in text]


def test_the_campaigns_list_follows_a_running_run(open_page, console) -> None:
    page: Page = open_page(locale="en")
    sign_in(page, console, console.ready_person("sender"))
    address = create_campaign(page, console, "Progress on the list")
    submit(page, "#action-run_now")
    report(console, address, 1, "running", 100, 10)
    page.goto(console.url("/console/campaigns"))
    row = page.locator("tr", has_text="Progress on the list")
    expect(row).to_contain_text("10 sent of 100")

    report(console, address, 2, "running", 100, 60)

    expect(row).to_contain_text("60 sent of 100", timeout=20_000)


def test_marketing_sees_no_button_to_start_a_run(open_page, console) -> None:
    sender = open_page(locale="en")
    sign_in(sender, console, console.ready_person("sender"))
    address = create_campaign(sender, console, "Only for senders to start")
    page = open_page(locale="en")
    sign_in(page, console, console.ready_person("marketing"))

    page.goto(address)

    expect(page.locator("#action-pause")).to_be_visible()
    expect(page.locator("#action-run_now")).to_have_count(0)
