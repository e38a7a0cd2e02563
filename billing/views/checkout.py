from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


review = buy = refresh_prices = _todo
