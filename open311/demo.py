"""Demo data for the Open311 API: the bundled service data (non-public categories,
attributes) and one demo client with the key ``demo-open311-key`` (demo data only — a
real deployment creates keys with ``manage.py open311_keys create``)."""

from .models import ApiClient, ApiKey
from .services import hash_key, key_create, services_load

DEMO_KEY = "demo-open311-key"


def seed(ctx) -> None:
    services_load()
    client, _created = ApiClient.objects.get_or_create(
        name="演示第三方应用 (demo)", defaults={"contact": "演示用，不得用于生产", "rate_limit": 60},
    )
    if not ApiKey.objects.filter(key_hash=hash_key(DEMO_KEY)).exists():
        key_create(client=client, label="demo", raw=DEMO_KEY)
    ctx.login(DEMO_KEY, "Open311 API key", "POST /open311/v2/requests.json with api_key=…; GETs need no key")
