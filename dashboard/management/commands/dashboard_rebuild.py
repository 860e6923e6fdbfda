from django.core.management.base import BaseCommand

from dashboard.rollup import rebuild


class Command(BaseCommand):
    help = "Recompute the dashboard's per-case facts and rollups from the cases (after a bulk import, or to repair)."

    def handle(self, *args, **options):
        n = rebuild(out=lambda text: self.stdout.write(text))
        self.stdout.write(self.style.SUCCESS(f"dashboard: {n} cases counted"))
