"""Masks for personal data in templates (PIPL): ``{% load pii %}{{ person.id_number|mask_id }}``.

Pages never show an ID number or a phone number in full unless revealed with a reason; the
masks themselves are ``core.identifiers``'s.
"""

from django import template

from core.identifiers import mask_id_number, mask_phone

register = template.Library()


@register.filter
def mask_id(value):
    return mask_id_number(value)


@register.filter(name="mask_phone")
def mask_phone_filter(value):
    return mask_phone(value)
