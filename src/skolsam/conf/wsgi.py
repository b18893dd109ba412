"""Expose the WSGI application for production servers."""

import os

from django.core.wsgi import get_wsgi_application

from skolsam.conf.runtime import tune_garbage_collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skolsam.conf.settings")
application = get_wsgi_application()
tune_garbage_collector()
