"""clearpost's HTTP service: FastAPI app factory (``api.main.create_app``), settings, storage."""
