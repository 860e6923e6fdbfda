"""Run work in threads released at the same moment, each on its own database connection.

For the PostgreSQL-only tests of row locks and concurrent writers (SQLite serialises
writers and ignores SELECT … FOR UPDATE).
"""

import threading

from django.db import connections


def run_together(n, work):
    """Run ``work(i)`` for i in range(n) in n threads at once; return their results or exceptions."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def target(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results
