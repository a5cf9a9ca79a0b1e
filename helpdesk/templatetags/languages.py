from django import template

from helpdesk.languages import offered

register = template.Library()


@register.simple_tag
def languages_offered() -> dict[str, str]:
    """{code: name in its own language} for the language switcher."""
    return offered()
