"""{% url %} with its answers remembered (core/templatetags/url_memo.py) answers exactly as Django's tag."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from cunzhi.core.templatetags import url_memo


def render(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_the_tag_answers_as_django_reverse_and_remembers():
    url_memo._reversed.cache_clear()
    assert render("{% url 'concerns:index' %}") == reverse("concerns:index")
    assert render("{% url 'concerns:detail' pid %}", pid="abc") == reverse("concerns:detail", args=["abc"])
    assert render("{% url 'concerns:detail' public_id=pid %}", pid="x1") == reverse(
        "concerns:detail", kwargs={"public_id": "x1"}
    )
    assert (
        render("{% url 'concerns:detail' pid as u %}[{{ u }}]", pid="abc")
        == "[" + reverse("concerns:detail", args=["abc"]) + "]"
    )
    render("{% url 'concerns:detail' pid %}", pid="abc")
    assert url_memo._reversed.cache_info().hits >= 2  # the same address again comes from memory
    # An address that depends on the script prefix is remembered per prefix.
    try:
        set_script_prefix("/cz/")
        assert render("{% url 'concerns:index' %}").startswith("/cz/")
    finally:
        set_script_prefix("/")
    assert render("{% url 'concerns:index' %}") == "/concerns/"


def test_a_missing_address_fails_as_with_django():
    with pytest.raises(NoReverseMatch):
        render("{% url 'no:such' %}")
    assert render("{% url 'no:such' as u %}[{{ u }}]") == "[]"
    assert render("{% url 'concerns:detail' pid %}", pid="a&b") == reverse("concerns:detail", args=["a&b"]).replace(
        "&", "&amp;"
    )


def test_an_object_as_argument_is_reversed_each_time():
    class Code:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

        def __eq__(self, other):  # equal whatever it prints, as model instances with the same key
            return isinstance(other, Code)

        def __hash__(self):
            return 1

    assert render("{% url 'concerns:detail' c %}", c=Code("a1")) == reverse("concerns:detail", args=["a1"])
    assert render("{% url 'concerns:detail' c %}", c=Code("b2")) == reverse("concerns:detail", args=["b2"])
