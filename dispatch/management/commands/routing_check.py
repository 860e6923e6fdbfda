from django.core.management.base import BaseCommand, CommandError

from dispatch.selectors import unrouted_categories


class Command(BaseCommand):
    help = "Every case category must be routed: list active sub-classes without a district-wide routing rule (exit 1 if any)."

    def handle(self, *args, **options):
        unrouted = list(unrouted_categories())
        if not unrouted:
            self.stdout.write(self.style.SUCCESS("Every active case category has a routing rule."))
            return
        for category in unrouted:
            self.stdout.write(f"  {category.code} {category.name}")
        raise CommandError(f"{len(unrouted)} case categories have no routing rule.")
