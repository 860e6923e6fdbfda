"""The one map component's configuration: ``{% load ecomap %}{% ecomap_config %}`` once on a page
with a map, before the page's own script; the script then calls ``EcoMap.create(element)``.

The base layers are the same on every map (settings ECOGRID_MAP_TILE_*; offline overlays
from dashboard.MapOverlay): a tile server when one is configured, the district's GeoJSON
overlays under the grid boundaries, and by default just the boundaries on a plain background.
"""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, json_script

from ..maps import base_layers

register = template.Library()


@register.simple_tag
def ecomap_config():
    return format_html(
        "{}<script src=\"{}\"></script>",
        json_script(base_layers(), "ecomap-config"),
        static("js/ecomap.js"),
    )
