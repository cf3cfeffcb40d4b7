"""The dashboard in a real headless Chromium (Debian's chromium and chromium-driver, driven by
selenium): sign-in with each kind of key, a team key kept to its own team, the figures on the pages
equal to the JSON API's to the cent, the requests page paging and filtering, no key in any URL.
Each page's screenshot, at 1280 px and at phone width, goes to artifacts/screenshots/."""

import datetime
import json
import os
import shutil
import urllib.request
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from openai import OpenAI

selenium = pytest.importorskip("selenium")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHOTS = Path(os.environ.get("TOLLGATE_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(not CHROMIUM or not DRIVER, reason="chromium and chromium-driver are not installed")


def get_json(gateway, path, key):
    request = urllib.request.Request(gateway.url + path, headers={"authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read(), parse_float=Decimal)


@pytest.fixture(scope="module")
def seeded(gateway):
    """Two teams with budgets (one in New York's time zone), keys, and calls over models and tasks."""
    teams = {}
    for name, zone, budget in [("dash-red", "UTC", "50"), ("dash-blue", "America/New_York", "20")]:
        team = gateway.admin("POST", "/admin/teams", {"name": name, "monthly_budget_usd": budget, "budget_timezone": zone})
        keys = [gateway.admin("POST", "/admin/keys", {"team_id": team["id"], "name": f"{name}-{n}"}) for n in ("app", "batch")]
        teams[name] = {"id": team["id"], "keys": keys}
    calls = [("dash-red", 0, "gpt-4o", "summarise")] * 3 + [("dash-red", 1, "gpt-4o-mini", "triage")] * 2 + \
            [("dash-blue", 0, "claude-sonnet-4-6", "review"), ("dash-blue", 1, "gpt-4o", "summarise")]
    # Enough of red's batch calls to fill more than one page of the requests listing (50 a page).
    calls += [("dash-red", 1, "gpt-4o-mini", "bulk")] * 52
    for team, key_index, model, task in calls:
        client = OpenAI(base_url=gateway.url + "/v1", api_key=teams[team]["keys"][key_index]["key"], max_retries=0)
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hello"}], metadata={"task": task})
    return teams


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def sign_in(driver, gateway, key):
    driver.delete_all_cookies()
    driver.get(gateway.url + "/dashboard")
    assert driver.current_url.endswith("/dashboard/login")
    driver.find_element(By.ID, "key").send_keys(key)
    click_through(driver, driver.find_element(By.ID, "sign-in"))


def wait_ready(driver):
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.body.dataset.ready") in ("true", "error"))
    assert driver.execute_script("return document.body.dataset.ready") == "true", driver.find_element(By.ID, "app").text


def click_through(driver, element):
    """Clicks a link or button that loads a new page, and waits for that page to be drawn.

    The old page is marked in its window; the new one has a fresh window object without the mark.
    (Waiting for an old element to go stale races the navigation: Chromium may answer the check
    with an error that is not a stale-element one.)"""
    driver.execute_script("window.tollgateOldPage = true")
    element.click()

    def new_page_drawn(d):
        try:
            return d.execute_script("return window.tollgateOldPage === undefined && document.body.dataset.ready || null")
        except WebDriverException:  # the page is being replaced
            return None

    WebDriverWait(driver, 20).until(new_page_drawn)
    wait_ready(driver)


def open_page(driver, gateway, path):
    driver.get(gateway.url + path)
    wait_ready(driver)


def shoot(driver, name):
    """The page at 1280 px and at 390 px (a phone), whole, into the screenshots folder."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, suffix in ((1280, ""), (390, "-phone")):
        driver.set_window_size(width, 900)
        height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        driver.set_window_size(width, min(max(height + 20, 600), 6000))
        # Nothing wider than the window at phone width but the tables' own scrolling boxes.
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} is {overflow}px wider than a {width}px window"
        driver.save_screenshot(str(SHOTS / f"{name}{suffix}.png"))
    driver.set_window_size(1280, 900)


def usd_of(element) -> Decimal:
    return Decimal(element.get_attribute("data-usd"))


def shown_usd(value: Decimal) -> str:
    """As the page shows an amount, rounded half away from zero: to the cent; under a dollar to a
    hundredth of a cent; under a cent to a millionth of a dollar."""
    places = 2 if abs(value) >= 1 or value == 0 else 4 if abs(value) >= Decimal("0.01") else 6
    rounded = abs(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return ("−$" if value < 0 else "$") + f"{rounded:,.{places}f}"


def requested_urls(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_the_admin_overview_shows_the_spend_report(gateway, seeded, browser):
    sign_in(browser, gateway, gateway.admin_key)
    report = gateway.admin("GET", "/admin/spend")
    total = browser.find_element(By.CSS_SELECTOR, "#total-spend .usd")
    assert usd_of(total) == report["totals"]["cost_usd"]
    assert total.text == shown_usd(report["totals"]["cost_usd"])
    assert browser.find_element(By.ID, "total-requests").text == f"{report['totals']['requests']:,}"
    assert browser.find_element(By.ID, "unpriced").text == str(report["totals"]["unpriced_requests"])
    assert browser.find_element(By.ID, "estimated").text == str(report["totals"]["estimated_requests"])
    # The chart's bars are the report by day and team, amount for amount.
    daily = gateway.admin("GET", "/admin/spend?group_by=day,team")
    bars = {(bar.get_attribute("data-day"), bar.get_attribute("data-series")): usd_of(bar)
            for bar in browser.find_elements(By.CSS_SELECTOR, "[data-chart=daily] rect[data-usd]")}
    assert bars == {(row["day"], row["team"]): row["cost_usd"] for row in daily["rows"]}
    # The top models table is the report by model.
    by_model = {row["model"]: row["cost_usd"] for row in gateway.admin("GET", "/admin/spend?group_by=model")["rows"]}
    shown = {}
    for line in browser.find_elements(By.CSS_SELECTOR, "[data-table=top-models] tbody tr"):
        cells = line.find_elements(By.TAG_NAME, "td")
        shown[cells[0].text] = usd_of(cells[2].find_element(By.CSS_SELECTOR, ".usd"))
    assert len(shown) == min(10, len(by_model))
    assert all(by_model[model] == cost for model, cost in shown.items())
    assert min(shown.values()) >= sorted(by_model.values(), reverse=True)[len(shown) - 1]
    # Every team with a budget is listed with its spend.
    red = gateway.admin("GET", f"/admin/teams/{seeded['dash-red']['id']}")
    row = browser.find_element(By.CSS_SELECTOR, f"[data-budget='{red['id']}']")
    assert usd_of(row.find_element(By.CSS_SELECTOR, ".usd")) == red["budget"]["spent_usd"]
    shoot(browser, "overview")


def test_the_team_page_has_budget_forecast_keys_and_spend(gateway, seeded, browser):
    sign_in(browser, gateway, gateway.admin_key)
    red = seeded["dash-red"]["id"]
    before = gateway.admin("GET", f"/admin/teams/{red}")
    open_page(browser, gateway, f"/dashboard/teams/{red}")
    team = gateway.admin("GET", f"/admin/teams/{red}")
    assert usd_of(browser.find_element(By.CSS_SELECTOR, "#team-spent .usd")) == team["budget"]["spent_usd"]
    # The forecast moves with the clock (the burn rate over the time left): the page's lies
    # between the API's just before and just after it loaded.
    projected = sorted([before["budget"]["projected_spend_usd"], team["budget"]["projected_spend_usd"]])
    assert projected[0] <= usd_of(browser.find_element(By.CSS_SELECTOR, "#team-projected .usd")) <= projected[1]
    assert "Forecast for the period" in browser.find_element(By.ID, "forecast").text
    assert browser.find_elements(By.CSS_SELECTOR, "[data-chart=burn-down] polyline")
    by_task = gateway.admin("GET", f"/admin/spend?team_id={red}&group_by=task&from={team['budget']['period_start']}&to={team['budget']['resets_at']}")
    shown = {line.find_elements(By.TAG_NAME, "td")[0].text: usd_of(line.find_element(By.CSS_SELECTOR, ".usd"))
             for line in browser.find_elements(By.CSS_SELECTOR, "[data-table=by-task] tbody tr")}
    assert shown == {row["task"]: row["cost_usd"] for row in by_task["rows"]}
    assert len(browser.find_elements(By.CSS_SELECTOR, "[data-table=keys] tbody tr")) == 2
    shoot(browser, "team")


def test_a_team_key_sees_only_its_own_team(gateway, seeded, browser):
    blue = seeded["dash-blue"]
    key = blue["keys"][0]["key"]
    sign_in(browser, gateway, key)
    # The overview is the team's own report, in its time zone.
    own = get_json(gateway, "/v1/spend?timezone=America/New_York", key)
    assert usd_of(browser.find_element(By.CSS_SELECTOR, "#total-spend .usd")) == own["totals"]["cost_usd"]
    assert "America/New_York" in browser.find_element(By.ID, "period").text
    assert "Top teams" not in browser.page_source
    open_page(browser, gateway, f"/dashboard/teams/{blue['id']}")
    budget = get_json(gateway, "/v1/budget", key)["team"]
    assert usd_of(browser.find_element(By.CSS_SELECTOR, "#team-spent .usd")) == budget["spent_usd"]
    shoot(browser, "team-key")
    # Another team's page: refused in the page, and the API behind it refuses the session too.
    browser.get(gateway.url + f"/dashboard/teams/{seeded['dash-red']['id']}")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.body.dataset.ready"))
    assert "only its own team" in browser.find_element(By.ID, "app").text
    fetched = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        Promise.all([fetch('/admin/teams'), fetch('/admin/spend?team_id=' + arguments[0]), fetch('/v1/spend?group_by=team&team_id=' + arguments[0])])
          .then(async ([teams, spend, own]) => done([teams.status, spend.status, await own.json()]));
    """, seeded["dash-red"]["id"])
    assert fetched[0] == 401 and fetched[1] == 401
    assert [row["team"] for row in fetched[2]["rows"]] == ["dash-blue"]
    # The routing page is the admin's.
    open_page(browser, gateway, "/dashboard/routing")
    assert "admin's view" in browser.find_element(By.ID, "app").text
    # No request the pages made carried the key in its URL, and the page never holds it.
    for url in requested_urls(browser):
        assert key not in url and gateway.admin_key not in url
    assert key not in browser.page_source
    assert all(key not in cookie["value"] for cookie in browser.get_cookies())


def test_the_requests_page_pages_and_filters(gateway, seeded, browser):
    red = seeded["dash-red"]
    sign_in(browser, gateway, red["keys"][0]["key"])
    open_page(browser, gateway, "/dashboard/requests")
    first = browser.find_elements(By.CSS_SELECTOR, "[data-table=requests] tbody tr")
    assert len(first) == 50
    listing = get_json(gateway, "/v1/usage?limit=50", red["keys"][0]["key"])
    assert [row.get_attribute("data-request") for row in first] == [row["request_id"] for row in listing["data"]]
    assert "messages" not in browser.page_source and "hello" not in browser.find_element(By.ID, "app").text
    shoot(browser, "requests")
    click_through(browser, browser.find_element(By.ID, "older"))
    second = [row.get_attribute("data-request") for row in browser.find_elements(By.CSS_SELECTOR, "[data-table=requests] tbody tr")]
    assert second and not set(second) & {row["request_id"] for row in listing["data"]}
    assert len(second) == 57 - 50  # red made 57 calls
    # Filter by task and key: the form's answer is the API's.
    click_through(browser, browser.find_element(By.ID, "newest"))
    browser.find_element(By.NAME, "task").send_keys("triage")
    Select(browser.find_element(By.NAME, "key_id")).select_by_visible_text("dash-red-batch")
    click_through(browser, browser.find_element(By.CSS_SELECTOR, "#filters button[type=submit]"))
    rows = browser.find_elements(By.CSS_SELECTOR, "[data-table=requests] tbody tr")
    assert len(rows) == 2 and all("triage" in row.text for row in rows)
    assert "older" not in [a.get_attribute("id") for a in browser.find_elements(By.CSS_SELECTOR, ".pager a")]


def test_routing_and_what_if_pages(gateway, seeded, browser):
    sign_in(browser, gateway, gateway.admin_key)
    open_page(browser, gateway, "/dashboard/routing")
    deployments = gateway.admin("GET", "/admin/deployments")["data"]
    shown = [row.get_attribute("data-deployment") for row in browser.find_elements(By.CSS_SELECTOR, "[data-table=deployments] tbody tr")]
    assert shown == [d["id"] for d in deployments]
    shoot(browser, "routing")

    open_page(browser, gateway, "/dashboard/what-if")
    Select(browser.find_element(By.NAME, "task")).select_by_visible_text("summarise")
    browser.find_element(By.NAME, "model").send_keys("gpt-4o-mini")
    click_through(browser, browser.find_element(By.CSS_SELECTOR, "#what-if-form button[type=submit]"))
    assert "key=" not in browser.current_url
    query = browser.current_url.split("?", 1)[1]
    params = dict(pair.split("=", 1) for pair in query.split("&"))
    to = (datetime.date.fromisoformat(params["to"]) + datetime.timedelta(days=1)).isoformat()
    answer = gateway.admin("GET", f"/admin/what-if?task=summarise&model=gpt-4o-mini&from={params['from']}&to={to}")
    assert usd_of(browser.find_element(By.CSS_SELECTOR, "#what-if-cost .usd")) == answer["cost_usd"]
    assert usd_of(browser.find_element(By.CSS_SELECTOR, "#what-if-other .usd")) == answer["what_if_cost_usd"]
    assert browser.find_element(By.ID, "what-if-requests").text == f"{answer['requests']:,}"
    shoot(browser, "what-if")
