"""The JSON API at /api/v1/: one NinjaAPI, with a router from each app's api.py."""

from ninja import NinjaAPI

api = NinjaAPI(title="ParkPact API", version="1", urls_namespace="api")
