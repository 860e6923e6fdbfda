"""Benchmarks at district-to-province scale (issue 6).

An app only for its two management commands, ``manage.py bench`` (the one table of
figures) and ``manage.py seed_scale`` (benchmarks/management/commands): no models, no
migrations, nothing mounted in production.

- ``benchmarks.seed``   the scale seeder behind ``manage.py seed_scale`` (a registry of
                        seed steps per app, bulk writes with COPY / multi-row INSERT);
- ``benchmarks.probe``  a measuring process bound to one database (in-process
                        ``django.test.Client`` timings and query counts);
- ``benchmarks.load``   the load generator for the submission figure (a second process
                        on 127.0.0.1, fixed request count and time limit);
- ``benchmarks.wsgi`` / ``benchmarks.urls`` / ``benchmarks.views``  the gunicorn entry
                        point with the bare insert view, refused unless
                        ``ECOGRID_BENCH_VIEWS`` is on;
- ``benchmarks.report`` the one table ``manage.py bench`` prints.

See docs/performance.md.
"""
