"""`python -m streams.archiver`: the archiver with every setting from the environment."""

from deploy.logs import configure_logging
from streams.archiver.service import serve
from streams.archiver.settings import ArchiverSettings

configure_logging("archiver")
serve(ArchiverSettings())
