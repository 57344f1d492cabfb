"""The city generator: a city-sized ParkPact database (100 parks, 200 contracts, a year of
evidence, a million service requests, some eighteen million sensor readings) written by bulk
inserts, for benchmarks and capacity tests. Not a Django app: it owns no models. Run it with
``manage.py seed_city`` (docs/city.md); the benchmarks reach it through ``bench.city``.

- parameters.py: what a city is built from and how each table grows with ``scale``;
- build.py: ``build_city``, the parks, contracts and their evidence;
- service_requests.py, readings.py: the two big tables, streamed;
- history.py: ``ensure_history``, the approved months and past tenders;
- database.py: the marker, ``city_size``, erasing a database, ``analyze``;
- bulk.py: COPY / executemany in batches, progress bars.
"""
