"""What the Python tests share: their inputs (the binary, the shared data) and the two sessions
they read, the simulated race (generated once per run) and 2025 Mexico City qualifying.

Environment: F1REPLAY_BIN (the binary), F1REPLAY_TEST_DATA (the shared data). Missing inputs
fail the test when F1REPLAY_REQUIRE_DATA=1 (CI), else skip it saying why.
"""

import os
import pathlib
import subprocess

import pytest

MEXICO_Q = "pitwall/livetiming/static/2025/2025-10-26_Mexico_City_Grand_Prix/2025-10-25_Qualifying"


def need(path, what):
    if path and pathlib.Path(path).exists():
        return pathlib.Path(path)
    if os.environ.get("F1REPLAY_REQUIRE_DATA") == "1":
        pytest.fail(f"{what} is missing ({path})")
    pytest.skip(f"{what} is missing ({path})")


def f1replay(*args):
    binary = need(os.environ.get("F1REPLAY_BIN"), "the f1replay binary (F1REPLAY_BIN)")
    return subprocess.run([str(binary), *args], check=True, capture_output=True, text=True)


@pytest.fixture(scope="session")
def session_folders(tmp_path_factory):
    """{"sim": the simulated race's folder, "mexico": Mexico Q's folder in the shared data}."""
    root = tmp_path_factory.mktemp("sessions")
    data = need(os.environ.get("F1REPLAY_TEST_DATA"), "the shared data (F1REPLAY_TEST_DATA)")
    f1replay("sim", "--kind", "race", "--out", str(root / "sim"))
    sim = next((root / "sim").rglob("TimingData.jsonStream")).parent
    return {"sim": sim, "mexico": data / MEXICO_Q}
