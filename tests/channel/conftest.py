from tests.log.conftest import postgres_url  # noqa: F401  (a real PostgreSQL for the slow tests)
