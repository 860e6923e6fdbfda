"""One-click fill (一表填, forms_fill): figures of issue 11.

- 10,000 ID numbers x 36 person fields -> finished .xlsx, end to end as the worker runs the
  job (``core.jobs.run`` in a fresh process: key checks, scoped query per 2,000 keys, the
  spliced writer, the stored file, the audit entry) against XlsxWriter constant_memory
  writing the same cells alone (the cells already in memory), same run. Goal <= 1.0x.
- the worker's peak RSS (its own VmHWM) for that job. Goal <= 200 MB.
- the official 《就业人员登记表》 template filled for the same keys vs the plain table. Goal <= 1.5x.
- 100,000 rows ("every record matching the filter") must finish: time and RSS (info).
- import of 100,000 person rows (.xlsx) vs the 60 s budget.
- candidate writers (information): XlsxWriter write_row, pyexcelerate and rustpy-xlsxwriter
  when installed, on the same cells.
--small keeps every size to 2,000 rows.
"""

from __future__ import annotations


from benchmarks import report
from benchmarks.probing import run_job, run_python
from benchmarks.report import Row

TITLE = "one-click fill (一表填)"

PREPARE = r"""
import json, sys, uuid
import django
django.setup()
from django.contrib.auth import get_user_model
from forms_fill.models import Person, TableTemplate
from forms_fill import catalogue
n = int(sys.argv[1])
User = get_user_model()
user, _ = User.objects.get_or_create(username="bench-fill", defaults={"is_superuser": True, "is_staff": True})
keys = list(Person.objects.filter(deleted_at__isnull=True).order_by("id").values_list("id_number", flat=True)[:n])
if len(keys) < min(n, 100):
    print(json.dumps({"unavailable": f"only {len(keys)} people seeded"})); sys.exit()
plain = TableTemplate.objects.create(name="bench-plain", entity="person", kind="composed", title="bench",
                                     columns=[f.key for f in catalogue.PERSON_FIELDS])
from django.core.files import File
import tempfile, pathlib
from forms_fill.samples import employment_template
from forms_fill.official import inspect_template
with tempfile.TemporaryDirectory() as tmp:
    p = pathlib.Path(tmp) / "t.xlsx"; employment_template(p); found = inspect_template(p, "person")
    official = TableTemplate(name="bench-official", entity="person", kind="official", mapping=found.mapping,
                             serial_column=found.serial_column, sheet_name=found.sheet_name, first_data_row=found.first_data_row)
    with open(p, "rb") as fh: official.file.save("t.xlsx", File(fh), save=False)
    official.save()
from core.models import Job
def job(template, params):
    return Job.objects.create(uuid=uuid.uuid4(), kind="forms_fill.fill", started_by=user, region_path="", sensitive=True,
                              params={"template": template.pk, "region_path": "", **params}).pk
out = {"keys": len(keys), "plain": job(plain, {"keys": keys}), "official": job(official, {"keys": keys})}
big = int(sys.argv[2])
if big:
    out["big"] = job(plain, {"filters": {}}); out["big_available"] = Person.objects.filter(deleted_at__isnull=True).count()
print(json.dumps(out))
"""

BASELINE = r"""
import json, sys, time, tempfile, os
import django
django.setup()
from forms_fill.fill import row_reader, rows_for_keys
from forms_fill import catalogue
from django.contrib.auth import get_user_model
n = int(sys.argv[1]); writer = sys.argv[2]
from forms_fill.models import Person
keys = list(Person.objects.filter(deleted_at__isnull=True).order_by("id").values_list("id_number", flat=True)[:n])
user = get_user_model().objects.get(username="bench-fill")
fields = [f.key for f in catalogue.PERSON_FIELDS]
cols, convert = row_reader("person", fields)
rows = [[i + 1] + [str(v) for v in convert(r)] for i, r in enumerate(rows_for_keys("person", user, "", keys, cols))]
header = ["序号"] + [catalogue.field("person", k).label for k in fields]
path = os.path.join(tempfile.mkdtemp(), "b.xlsx")
t = time.perf_counter()
if writer == "xlsxwriter":
    import xlsxwriter
    wb = xlsxwriter.Workbook(path, {"constant_memory": True}); ws = wb.add_worksheet()
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, 1):
        ws.write_number(r, 0, row[0])
        for c, v in enumerate(row[1:], 1):
            ws.write_string(r, c, v)
    wb.close()
elif writer == "xlsxwriter_row":
    import xlsxwriter
    wb = xlsxwriter.Workbook(path, {"constant_memory": True}); ws = wb.add_worksheet()
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, 1): ws.write_row(r, 0, row)
    wb.close()
elif writer == "pyexcelerate":
    from pyexcelerate import Workbook
    wb = Workbook(); wb.new_sheet("s", data=[header] + rows); wb.save(path)
elif writer == "rustpy":
    import rustpy_xlsxwriter as rx
    rx.write_worksheet((dict(zip(header, row)) for row in rows), path)
print(json.dumps({"seconds": time.perf_counter() - t, "rows": len(rows)}))
"""

IMPORT = r"""
import json, sys, time, tempfile, os, random
import django
django.setup()
from django.contrib.auth import get_user_model
from grids.models import Region
from core.identifiers import id_number_check_digit
from forms_fill.imports import run_import
n = int(sys.argv[1])
user = get_user_model().objects.get(username="bench-fill")
grids = list(Region.objects.filter(level=4).values_list("code", flat=True)[:50])
import xlsxwriter
path = os.path.join(tempfile.mkdtemp(), "people.xlsx")
wb = xlsxwriter.Workbook(path, {"constant_memory": True}); ws = wb.add_worksheet()
ws.write_row(0, 0, ["公民身份号码", "姓名", "所属网格", "联系电话", "民族", "现住址", "就业状态", "工作单位", "文化程度", "婚姻状况"])
rng = random.Random(5)
for i in range(n):
    first17 = f"110101{1950 + i % 60}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    first17 = first17[:6] + f"{1950 + (i // 1000) % 60}" + first17[10:14] + f"{i % 1000:03d}"
    ws.write_row(i + 1, 0, [first17 + id_number_check_digit(first17), f"导入测试{i}", grids[i % len(grids)],
                            f"139{i:08d}", "汉族", f"测试路{i}号", "在业", f"测试公司{i % 300}", "大学本科", "已婚"])
wb.close()
t = time.perf_counter()
report = run_import(entity="person", path=path, name="people.xlsx", user=user, source="bench")
print(json.dumps({"seconds": time.perf_counter() - t, "ok": report.ok, "created": report.created,
                  "updated": report.updated, "unchanged": report.unchanged, "problems": report.problems[:3]}))
"""

CLEANUP = r"""
import django
django.setup()
from django.contrib.auth import get_user_model
from core.models import AuditLog, Job
from forms_fill.models import Person, RecordChange, TableTemplate
for job in Job.objects.filter(started_by__username="bench-fill"):
    job.result_file.delete(save=False)
Job.objects.filter(started_by__username="bench-fill").delete()
AuditLog.objects.filter(user__username="bench-fill").delete()
RecordChange.objects.filter(user__username="bench-fill").delete()
Person.objects.filter(created_by__username="bench-fill").delete()
for t in TableTemplate.objects.filter(name__startswith="bench-"):
    if t.file: t.file.delete(save=False)
    t.delete()
get_user_model().objects.filter(username="bench-fill").delete()
"""


def figures(ctx) -> list[Row]:
    env = dict(ctx.env_large)
    n = 2_000 if ctx.small else 10_000
    big = 0 if ctx.small else 100_000
    n_import = 2_000 if ctx.small else 100_000
    label = f"fill {n:,} ID numbers x 36 fields -> .xlsx (job, end to end)"
    rows: list[Row] = []
    try:
        prepared = run_python(PREPARE, env, n, big)
        if "unavailable" in prepared:
            return [report.unavailable(label, prepared["unavailable"])]
        base = run_python(BASELINE, env, n, "xlsxwriter")
        plain = run_job(prepared["plain"], env)
        official = run_job(prepared["official"], env)
        note = f"{plain['rows']:,} rows filled of {prepared['keys']:,} keys; baseline wrote {base['rows']:,} rows"
        rows.append(report.timing_row(label, plain["seconds"], base["seconds"], limit=1.0, value_label="ours",
                                      baseline_label="XlsxWriter constant_memory, cells only", note=note))
        rows.append(Row(f"fill {n:,} x 36: worker peak RSS", f"{plain['rss_mb']:.0f} MB", "200 MB", plain["rss_mb"] / 200,
                        "<= 200 MB", report.OK if plain["rss_mb"] <= 200 else report.MISSED, "fresh process running the job",
                        {"rss_mb": plain["rss_mb"]}))
        rows.append(report.timing_row(f"official template 《就业人员登记表》, {n:,} keys", official["seconds"], plain["seconds"],
                                      limit=1.5, value_label="official", baseline_label="plain table (36 fields)"))
        for writer in ("xlsxwriter_row", "pyexcelerate", "rustpy"):
            try:
                got = run_python(BASELINE, env, n, writer)
            except RuntimeError as exc:
                if "ModuleNotFoundError" in str(exc):
                    rows.append(report.unavailable(f"candidate writer {writer}", "not installed"))
                    continue
                raise
            rows.append(Row(f"candidate writer {writer}, {n:,} x 37 cells", report.ms(got["seconds"]),
                            report.ms(base["seconds"]) + " XlsxWriter constant_memory", got["seconds"] / base["seconds"],
                            "", report.INFO, "writer alone, same cells"))
        if big:
            got = run_job(prepared["big"], env)
            rows.append(Row(f"fill every record (filter), {got['rows']:,} rows x 36", report.ms(got["seconds"]),
                            f"{got['rss_mb']:.0f} MB peak RSS", None, "finishes", report.OK, "", got))
        imp = run_python(IMPORT, env, n_import)
        verdict = report.OK if imp["ok"] and imp["seconds"] <= 60 * n_import / 100_000 else report.MISSED
        rows.append(Row(f"import {n_import:,} person rows (.xlsx)", report.ms(imp["seconds"]),
                        f"{60 * n_import / 100_000:.1f} s budget", imp["seconds"] / (60 * n_import / 100_000),
                        "<= 1x budget", verdict,
                        f"created {imp['created']:,}, updated {imp['updated']:,}" + ("" if imp["ok"] else f" problems {imp['problems']}"),
                        imp))
    finally:
        try:
            run_python(CLEANUP, env)
        except RuntimeError:
            pass
    return rows
