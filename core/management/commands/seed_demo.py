import importlib

from django.core.management.base import BaseCommand

from core.demo import DEMO_APPS, DEMO_PASSWORD, DemoContext


class Command(BaseCommand):
    help = "Load the demo data (idempotent: running it twice changes nothing more) and print the demo logins."

    def handle(self, *args, **options):
        ctx = DemoContext(stdout=self.stdout)
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(ctx)
        self.stdout.write(self.style.SUCCESS("\nDemo logins (password for all: %s)" % DEMO_PASSWORD))
        for username, role, note in ctx.logins:
            self.stdout.write(f"  {username:<16} {role:<14} {note}")
