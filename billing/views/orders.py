from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse(status=501)


order_list = order_detail = number_list = _todo
