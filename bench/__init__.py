"""HTTP benchmark: a generated corpus, gunicorn on loopback, a bounded load generator (``python -m bench``)."""
