"""Request engine shared by API model adapters and LLM extractors/judges.

    from unibench.engine import ChatRequest, Endpoint, Engine, ResponseCache
    ep = Endpoint("http://127.0.0.1:8000/v1", api_key_env=None, max_concurrency=32)
    outcomes = Engine(ep, cache=ResponseCache("calls.sqlite")).run(requests, "judge")
"""

from .cache import CachedResponse, ResponseCache, default_cache_path
from .client import AimdLimiter, CircuitBreaker, Engine, EndpointDown, EndpointRejected, Outcome, RunStats
from .request import KEY_SCHEMA_VERSION, ChatRequest, Endpoint, public_url

__all__ = [
    "AimdLimiter",
    "CachedResponse",
    "ChatRequest",
    "CircuitBreaker",
    "Endpoint",
    "EndpointDown",
    "EndpointRejected",
    "Engine",
    "KEY_SCHEMA_VERSION",
    "Outcome",
    "ResponseCache",
    "RunStats",
    "default_cache_path",
    "public_url",
]
