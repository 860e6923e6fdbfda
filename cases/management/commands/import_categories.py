from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.services import category_export_xlsx, category_import_file


class Command(BaseCommand):
    help = "Import case categories (事件分类) from a .json or .xlsx file — the whole file or nothing — or export them to .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="file to import (default: cases/data/categories.json)")
        parser.add_argument("--export", metavar="XLSX", help="write every category to this .xlsx instead of importing")

    def handle(self, *args, path=None, export=None, **options):
        if export:
            Path(export).write_bytes(category_export_xlsx())
            self.stdout.write(f"Exported to {export}")
            return
        file = Path(path) if path else Path(__file__).resolve().parents[2] / "data" / "categories.json"
        if not file.exists():
            raise CommandError(f"No such file: {file}")
        result = category_import_file(file=file, name=file.name)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"Nothing imported: {len(result.errors)} problem(s) in {file.name}")
        self.stdout.write(f"Categories: {result.created} new, {result.updated} changed, {result.unchanged} unchanged")
