"""Provider callbacks and webhooks (being written)."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def provider_webhook(request: HttpRequest, account_name: str) -> HttpResponse:
    return HttpResponse(status=501)
