from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from schemas.errors import ApiError, install_error_handlers


class Body(BaseModel):
    items: list[int]


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/echo")
    def echo(body: Body) -> Body:
        return body

    @app.get("/teapot")
    def teapot() -> None:
        raise ApiError(429, "slow down", "quota_exceeded", headers={"Retry-After": "60"})

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    return app


def test_validation_errors_name_the_field() -> None:
    response = TestClient(make_app()).post("/echo", json={"items": [1, "x"]})
    assert response.status_code == 422
    assert response.json() == {
        "error": {"code": "invalid_request", "message": response.json()["error"]["message"], "field": "items[1]"}
    }
    assert response.json()["error"]["message"].startswith("items[1]:")


def test_api_errors_and_unknown_routes_use_the_contract_shape() -> None:
    client = TestClient(make_app(), raise_server_exceptions=False)
    limited = client.get("/teapot")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
    assert limited.json()["error"] == {"code": "quota_exceeded", "message": "slow down", "field": None}
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    crashed = client.get("/boom")
    assert crashed.status_code == 500 and "secret internals" not in crashed.text
