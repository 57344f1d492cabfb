import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TEST_TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _report_test_templates(settings: Any) -> Iterator[None]:
    """Makes the small templates under tests/templates/ loadable as ``reports_test/…``."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEST_TEMPLATES]
    settings.TEMPLATES = templates
    yield
