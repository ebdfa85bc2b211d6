"""A real headless Chromium for the task view's tests, driven by Selenium through chromedriver.

Debian's ``chromium`` and ``chromium-driver`` packages are the browser. When they are missing and
the tests run as root (as CI does), ``apt-get`` installs them; otherwise the tests skip, naming
chromium. Selenium is pointed at ``chromedriver`` explicitly, so it never downloads a driver.
``CHROMIUM`` and ``CHROMEDRIVER`` (paths) override where they are looked for.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

PACKAGES = ("chromium", "chromium-driver")
#: Flags that work in a container without a display, GPU, sandbox or network access of its own.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1600,900",
)  # fmt: skip
INSTALL_TIMEOUT = 900


def _find(env: str, *names: str) -> str | None:
    if os.environ.get(env):
        return os.environ[env] if Path(os.environ[env]).exists() else None
    for name in names:
        path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if path:
            return path
    return None


def _paths() -> tuple[str | None, str | None]:
    return _find("CHROMIUM", "chromium", "chromium-browser"), _find("CHROMEDRIVER", "chromedriver")


def _install() -> str:
    """apt-get the packages; what went wrong, or '' when it worked."""
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    lock = ["-o", "DPkg::Lock::Timeout=600"]  # another apt (not ours) may hold dpkg's lock a while
    for command in (["apt-get", "update", "-qq", *lock], ["apt-get", "install", "-y", "-qq", *lock, *PACKAGES]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}"
    return ""


def chromium_and_driver() -> tuple[str, str]:
    """Paths of chromium and chromedriver, installed by apt when missing and we may; else skip.

    Test runs side by side (CI runs two Pythons at once) install one at a time: the second
    finds what the first installed.
    """
    chromium, driver = _paths()
    if chromium and driver:
        return chromium, driver
    problem = "not running as root"
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        with open(Path(tempfile.gettempdir()) / "vtasksim-chromium-install.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            chromium, driver = _paths()
            problem = "" if chromium and driver else _install()
        chromium, driver = _paths()
        if chromium and driver:
            return chromium, driver
    pytest.skip(f"chromium not found ({problem}): install Debian's {' and '.join(PACKAGES)}, or set CHROMIUM and CHROMEDRIVER")


def start_browser(profile: Path):
    """A headless Chromium with a fresh profile; ``quit()`` it when done."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager, should it ever run, downloads nothing
    chromium, driver = chromium_and_driver()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the page's console, for tests to read
    browser = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    browser.set_page_load_timeout(30)
    return browser


def console_errors(browser) -> list[str]:
    """What the page logged as errors since the last call (reading the log empties it)."""
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
