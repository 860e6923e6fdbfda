"""Private files (evidence, licence photos, scans, job results) leave the server only here.

MEDIA_ROOT is never served directly: each app's view checks jurisdiction first, then hands
the stored file to :func:`private_file_response`, which streams it with a fixed content type
(never sniffed from the name), ``nosniff`` and a private cache policy.
"""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _


def private_file_response(field_file, *, content_type: str | None = None, filename: str | None = None,
                          cache: str = "private, max-age=3600") -> FileResponse:
    """Stream ``field_file``; a download (``filename``) is sent as an attachment. Missing file → 404."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError, OSError):
        raise Http404(_("The file is no longer stored.")) from None
    if filename:
        response = FileResponse(handle, as_attachment=True, filename=filename)
    else:
        response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    return response
