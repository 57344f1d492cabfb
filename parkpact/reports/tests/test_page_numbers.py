from unittest import mock

from django.utils import translation

from parkpact.reports.templatetags.reports import css_string, page_x_of_y


def test_the_footer_says_page_x_of_y() -> None:
    with translation.override("en"):
        assert page_x_of_y() == '"Page " counter(page) " of " counter(pages)'


def test_translators_may_put_the_total_first() -> None:
    with mock.patch(
        "parkpact.reports.templatetags.reports._", return_value="共 %(pages)s 页，第 %(page)s 页"
    ):
        assert page_x_of_y() == '"共 " counter(pages) " 页，第 " counter(page) " 页"'


def test_css_strings_cannot_close_the_string_or_the_style_element() -> None:
    assert css_string('a"b\\c</style>') == '"a\\22 b\\5c c\\3c /style\\3e "'
