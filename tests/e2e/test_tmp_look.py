import pytest
from tests.e2e.browser import log_in
from tests.e2e.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.browser

def test_look(page, fresh_demo_servers):
    s = fresh_demo_servers
    page.goto(s.schoolloket_url)
    page.get_by_test_id("login-start").click()
    log_in(page, "bert.beheerder", STAFF_PASSWORD)
    page.get_by_test_id("staff-name").wait_for()
    page.screenshot(path="/tmp/beheer.png", full_page=True)
    page.get_by_test_id("tab-applicaties").click()
    page.screenshot(path="/tmp/applicaties.png", full_page=True)
    page.goto(s.provider_url + "/schoolloket/scholen/123456/beheer/verdeling")
    page.get_by_test_id("distribution-print").click()
    page.screenshot(path="/tmp/verdeellijst.png", full_page=True)
    page.get_by_test_id("logout-submit").click()
    page.wait_for_load_state()
    page.screenshot(path="/tmp/afgemeld.png", full_page=True)
    page.goto(s.schoolloket_url)
    page.get_by_test_id("login-start").click()
    log_in(page, "dirk.directeur", STAFF_PASSWORD)
    page.get_by_test_id("staff-name").wait_for()
    page.get_by_test_id("sharing-stop").click()
    page.screenshot(path="/tmp/stop.png", full_page=False)
    page.get_by_test_id("stop-confirm").click()
    page.get_by_test_id("sharing-activate").click()
    page.screenshot(path="/tmp/activeren.png", full_page=False)
