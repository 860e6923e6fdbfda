"""Template helpers of the fill pages (the masks are core's: ``{% load pii %}``)."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, "")
