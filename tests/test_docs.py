"""The docs stay honest: every setting and every error code is documented."""

from __future__ import annotations

import re
from pathlib import Path

from promisedesk.config import Settings
from promisedesk.services.commands import COMMANDS
from promisedesk.web.errors import HTTP_CODES

DOCS = Path(__file__).parent.parent / "docs"
SRC = Path(__file__).parent.parent / "src" / "promisedesk"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    documented = set(re.findall(r"^\| `(\w+)` \|", text, re.M))
    assert documented == set(Settings.model_fields)


def test_every_error_code_is_documented() -> None:
    text = (DOCS / "errors.md").read_text()
    documented = set(re.findall(r"^\| `(\w+)` \|", text, re.M))
    sources = "\n".join(p.read_text() for p in SRC.rglob("*.py"))
    raised = set(re.findall(r'^\s+code = "(\w+)"', sources, re.M))
    # Codes the web layer's handlers write literally.
    raised |= set(re.findall(r'^\s+"(\w+)",$', (SRC / "web" / "errors.py").read_text(), re.M))
    raised |= set(HTTP_CODES.values())
    assert raised <= documented, raised - documented


def test_every_event_type_is_in_the_log_format() -> None:
    text = (DOCS / "event-log.md").read_text()
    for name in COMMANDS:
        assert f"| `{name}` |" in text
