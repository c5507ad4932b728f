"""Small steps that browser tests repeat: logging in on the provider's login page."""

from __future__ import annotations

from typing import Any

__all__ = ["PUPIL_PASSWORD", "log_in", "start_login"]

PUPIL_PASSWORD = "Leerling123!"


def log_in(page: Any, username: str, password: str = PUPIL_PASSWORD) -> None:
    """Fill in and submit the provider's login page by its documented test ids."""
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_load_state()


def start_login(page: Any, rp_url: str, client_id: str) -> None:
    """Click the application's login button on rp_demo's start page."""
    page.goto(f"{rp_url}/")
    page.get_by_test_id(f"login-{client_id}").click()
    page.wait_for_load_state()
