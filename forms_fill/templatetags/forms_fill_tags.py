"""Masking filters: the server never sends an ID number or phone in full unless revealed."""

from django import template

from core.identifiers import mask_id_number, mask_phone

register = template.Library()


@register.filter
def mask_id(value):
    return mask_id_number(value)


@register.filter(name="mask_phone")
def mask_phone_filter(value):
    return mask_phone(value)


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, "")
