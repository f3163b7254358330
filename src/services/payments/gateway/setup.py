"""Whether the gateway is configured, and the process's provider for it (one per configuration)."""

from functools import lru_cache

from src.services.payments.gateway.provider import PaymentProvider
from src.settings import Settings


def configured(settings: Settings) -> bool:
    """The gateway is on only with both its API key and its callback token."""
    return settings.xendit_api_key is not None and settings.xendit_callback_token is not None


@lru_cache(maxsize=4)
def _xendit(api_key: str, callback_token: str, base_url: str, timeout: float) -> PaymentProvider:
    from src.services.payments.gateway.xendit import XenditProvider  # the SDK loads only where it is used

    return XenditProvider(api_key=api_key, callback_token=callback_token, base_url=base_url, timeout=timeout)


def provider_for(settings: Settings) -> PaymentProvider | None:
    """The configured gateway, or None while it is off."""
    if settings.xendit_api_key is None or settings.xendit_callback_token is None:
        return None
    return _xendit(
        settings.xendit_api_key.get_secret_value(),
        settings.xendit_callback_token.get_secret_value(),
        settings.xendit_base_url,
        settings.xendit_timeout_seconds,
    )
