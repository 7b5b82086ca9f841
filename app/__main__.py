"""`python -m app` and the `backprop-stepper` console script: serve the app with uvicorn."""

import uvicorn

from .settings import get_settings


def main() -> None:
    settings = get_settings()
    uvicorn.run("app.main:create_app", factory=True, host=settings.host, port=settings.port,
                workers=settings.workers, proxy_headers=True)


if __name__ == "__main__":
    main()
