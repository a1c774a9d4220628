"""Django's zh_Hant formats, with figures grouped by thousands (109,997) as Chinese government
statistics print them; Django ships this locale with no separator and groups of four."""

from django.conf.locale.zh_Hant.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
