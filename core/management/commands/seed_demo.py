from django.core.management.base import BaseCommand

from core.demo import DEMO_PASSWORD, DemoContext, demo_modules


class Command(BaseCommand):
    help = "Load the demo data (idempotent: running it twice changes nothing more) and print the demo logins."

    def handle(self, *args, **options):
        ctx = DemoContext(stdout=self.stdout)
        for module in demo_modules():  # every installed app's demo.py (core.demo)
            module.seed(ctx)
        self.stdout.write(self.style.SUCCESS("\nDemo logins (password for all: %s)" % DEMO_PASSWORD))
        for username, role, note in ctx.logins:
            self.stdout.write(f"  {username:<16} {role:<14} {note}")
