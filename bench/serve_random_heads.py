"""The service exactly as ``clearpost serve`` builds it (``create_app`` + ``build_services`` +
uvicorn), except that when no trained artifact is bundled the Analyzer gets the encoder with
randomly initialised heads (the same compute as the trained model), so that the latency
benchmark measures a service that runs the model. Used by bench/latency.py only.

    python -m bench.serve_random_heads --host 127.0.0.1 --port 8765
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.serve_random_heads")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log-level", default="warning")
    args = p.parse_args(argv)

    import uvicorn

    from api.main import create_app
    from api.services import build_services
    from api.settings import Settings
    from bench.common import Results

    def factory(settings: Settings) -> Any:
        services = build_services(settings)
        analyzer = services.analyzer
        if getattr(analyzer, "model", None) is None and settings.model == "default":
            from bench.throughput import build_text_model

            model, desc = build_text_model(None, Results("serve"))
            analyzer.model = model  # type: ignore[attr-defined]
            services.model_info = dict(model.info)
            logging.getLogger("clearpost.bench").warning("serving with %s", desc)
        return services

    logging.basicConfig(level=getattr(logging, args.log_level.upper()))
    app = create_app(Settings(), services_factory=factory)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
