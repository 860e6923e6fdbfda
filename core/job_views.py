"""Pages of the one job model: my jobs, a job's status (page + htmx fragment), its download.

A job is visible to the user who started it while their jurisdiction covers the region it
ran under (``core.jobs.visible_jobs``); anyone else gets 404, so its existence does not leak.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from .files import private_file_response
from .jobs import visible_jobs
from .services import audit_record


def _job_or_404(request, uuid):
    return get_object_or_404(visible_jobs(request.user).select_related("started_by"), uuid=uuid)


@login_required
def job_list(request):
    jobs = visible_jobs(request.user)[:50]
    return render(request, "core/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request, uuid):
    job = _job_or_404(request, uuid)
    if request.htmx:
        return render(request, "core/job_progress.html", {"job": job})
    return render(request, "core/job_detail.html", {"job": job})


@login_required
def job_download(request, uuid):
    job = _job_or_404(request, uuid)
    if job.status != job.Status.DONE or not job.result_file:
        raise Http404
    name = job.result_name or job.result_file.name.rsplit("/", 1)[-1]
    response = private_file_response(job.result_file, filename=name, cache="private, no-store")  # 404 if gone
    if job.sensitive:
        audit_record(user=request.user, action="download", object_type="core.Job", object_ids=[job.uuid],
                     reason=f"{job.kind}: {job.result_name}", request=request)
    return response
