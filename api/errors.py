"""One error shape for every non-2xx answer: ``{"error": {"code", "message", "details"}}``.

Handlers turn library errors (nlp.errors), validation errors and HTTP errors into it, so no bad
input ever surfaces as a bare 500."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from nlp.errors import ClearpostError, InputError, RowError, UnknownJurisdictionError

log = logging.getLogger("clearpost.api")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_request, E200.")
    message: str = Field(description="What was wrong and what to do.")
    details: Any = Field(default=None, description="Structured context: fields, rows, limits.")


class Error(BaseModel):
    """Every error response."""

    error: ErrorBody = Field(description="What went wrong.")


class ApiError(Exception):
    """Raise from a route or dependency to answer with the Error shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}
    return JSONResponse(body, status_code=status, headers=headers)


def _doc(description: str) -> dict[str, Any]:
    return {"model": Error, "description": description}


# Reusable `responses=` blocks for the OpenAPI document; combine them with ``doc(...)``.
R401 = {401: _doc("No valid API key (send `Authorization: Bearer KEY` or `X-API-Key: KEY`).")}
R403 = {403: _doc("The key's role may not do this.")}
R404 = {404: _doc("No such object for this tenant.")}
R409 = {409: _doc("Ambiguous: name the platform with ?platform=.")}
R413 = {413: _doc("Request body larger than the configured limit.")}
R422 = {422: _doc("Invalid input: the details name the field (and index) or row.")}
R429 = {429: _doc("Rate limit exceeded for this key; retry after `Retry-After` seconds.")}
R503 = {503: _doc("The service is still loading its models (see /readyz).")}
AUTH = {**R401, **R429}
READ = {**AUTH, **R403, **R422}
WRITE = {**AUTH, **R403, **R413, **R422, **R503}


def doc(*blocks: Mapping[int, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """``responses=doc(READ, R404)`` for a route decorator."""
    out: dict[int | str, dict[str, Any]] = {}
    for b in blocks:
        for status, spec in b.items():
            out[status] = spec
    return out


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        loc = [p for p in e.get("loc", ())]
        out.append(
            {
                "field": ".".join(str(p) for p in loc),
                "loc": loc,
                "message": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
        )
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(list(exc.errors()))
        first = details[0] if details else {"field": "body", "message": "invalid"}
        return error_response(
            422,
            "invalid_request",
            f"invalid request: {first['field']}: {first['message']}"
            + (f" (+{len(details) - 1} more)" if len(details) > 1 else ""),
            details,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # the framework could not parse the body (bad encoding, broken multipart): bad input
            return error_response(
                422,
                "malformed_body",
                f"body: {exc.detail}; send JSON (application/json) or, for /v1/jobs, "
                "multipart/form-data with a `file` part",
                [
                    {
                        "field": "body",
                        "loc": ["body"],
                        "message": str(exc.detail),
                        "type": "malformed",
                    }
                ],
            )
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
            exc.status_code, "http_error"
        )
        details = {"limit_bytes": exc.limit} if hasattr(exc, "limit") else None
        return error_response(
            exc.status_code, code, str(exc.detail), details, getattr(exc, "headers", None)
        )

    @app.exception_handler(UnknownJurisdictionError)
    async def _jur(_req: Request, exc: UnknownJurisdictionError) -> JSONResponse:
        return error_response(
            422,
            "unknown_jurisdiction",
            str(exc),
            {"field": "jurisdictions", "unknown": exc.unknown, "known": sorted(exc.known)},
        )

    @app.exception_handler(RowError)
    async def _rows(_req: Request, exc: RowError) -> JSONResponse:
        return error_response(
            422,
            "invalid_rows",
            str(exc),
            {"rows": [{"row": n, "message": m} for n, m in exc.rows[:200]], "count": len(exc.rows)},
        )

    @app.exception_handler(InputError)
    async def _input(_req: Request, exc: InputError) -> JSONResponse:
        return error_response(422, "invalid_input", str(exc), {"code": exc.code})

    @app.exception_handler(ClearpostError)
    async def _clearpost(_req: Request, exc: ClearpostError) -> JSONResponse:
        log.error("clearpost error: %s", exc)
        return error_response(500, exc.code, str(exc))

    @app.exception_handler(Exception)
    async def _unhandled(_req: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal error; see the server log")
