"""API keys for the Open311 API: create, revoke, list.

    manage.py open311_keys create --client "某某随手拍" [--label prod] [--key VALUE] [--rate-limit 60] [--skip-triage]
    manage.py open311_keys revoke PREFIX_OR_KEY
    manage.py open311_keys list
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from open311 import services
from open311.models import ApiClient, ApiKey


class Command(BaseCommand):
    help = "Create, revoke or list Open311 API keys (a new key is printed once; keys are stored hashed)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a key (and the client, if new)")
        create.add_argument("--client", required=True, help="client name (created when missing)")
        create.add_argument("--label", default="")
        create.add_argument("--key", default=None, help="use this key instead of a random one (at least 12 characters)")
        create.add_argument("--contact", default="")
        create.add_argument("--rate-limit", type=int, default=None, help="requests per minute per key (new clients: 60)")
        create.add_argument("--skip-triage", action="store_true", help="register this client's requests without triage")
        revoke = sub.add_parser("revoke", help="revoke a key, given by its prefix or the whole key")
        revoke.add_argument("key")
        sub.add_parser("list", help="list the keys")

    def handle(self, *args, **o):
        getattr(self, f"do_{o['action']}")(o)

    def do_create(self, o):
        client, _created = ApiClient.objects.get_or_create(name=o["client"], defaults={"contact": o["contact"]})
        changed = []
        if o["rate_limit"] is not None:
            if o["rate_limit"] < 1:
                raise CommandError("--rate-limit must be at least 1")
            client.rate_limit = o["rate_limit"]
            changed.append("rate_limit")
        if o["skip_triage"]:
            client.skip_triage = True
            changed.append("skip_triage")
        if changed:
            client.save(update_fields=[*changed, "updated_at"])
        try:
            key, raw = services.key_create(client=client, label=o["label"], raw=o["key"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"{raw}\n")
        self.stderr.write(f"API key {key.prefix}… for {client.name}: shown once, stored hashed.")

    def do_revoke(self, o):
        given = o["key"].strip()
        matches = list(ApiKey.objects.filter(key_hash=services.hash_key(given)))
        if not matches and len(given) == 8:  # a prefix, as `list` shows it
            matches = list(ApiKey.objects.filter(prefix=given, revoked_at__isnull=True))
        if not matches:
            raise CommandError("No such key (give the whole key or its first 8 characters).")
        if len(matches) > 1:
            raise CommandError("Several active keys start with that prefix: give the whole key.")
        key = services.key_revoke(key=matches[0])
        self.stdout.write(f"revoked {key.prefix}… of {key.client.name} at {key.revoked_at:%Y-%m-%d %H:%M}")

    def do_list(self, o):
        for key in ApiKey.objects.select_related("client").order_by("client__name", "created_at"):
            state = "revoked" if key.revoked_at else ("client disabled" if not key.client.is_active else "active")
            self.stdout.write(f"{key.prefix}…  {key.client.name:<24} {key.label:<12} {state}")
