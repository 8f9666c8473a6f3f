import os

from django.core.wsgi import get_wsgi_application

from cercania.lib.proxyaddr import ClientAddressFromProxy

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercania.settings")
application = ClientAddressFromProxy(get_wsgi_application())
