import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# What is loaded now (Django, the apps, their modules) lives as long as the process: left out of
# the collector's full passes, which otherwise walk all of it every so often in the middle of
# a request (~100 ms a time on a slow machine, the reports dashboard's whole budget).
gc.collect()
gc.freeze()
