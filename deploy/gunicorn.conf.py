"""gunicorn settings for the registry (`gunicorn -c deploy/gunicorn.conf.py APP`).

Logs go through the service's JSON formatter, which masks email addresses and link tokens,
and the access log's atoms are masked before any format sees them, so that neither an access
log line carrying `?email=` nor one for `/u/<token>` writes them in clear. gunicorn's own
answers to requests it cannot parse (414, 431, 400) are problem documents, like the API's.
The workers share their metrics through a folder (PROMETHEUS_MULTIPROC_DIR, or a fresh
temporary one), emptied here before any worker starts.
"""

import multiprocessing
import os

from consent_service import gunicorn_hooks

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
logger_class = "consent_service.gunicorn_hooks.MaskingLogger"
post_fork = gunicorn_hooks.answer_errors_as_problems
gunicorn_hooks.metrics_dir(os.environ)
child_exit = gunicorn_hooks.forget_worker
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "plumbing.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
    },
}
