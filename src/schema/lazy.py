"""Types of two domains that refer to each other: a `strawberry.lazy` reference, and its class for resolvers."""

from typing import Any, get_args


def lazy_class(annotation: Any) -> Any:
    """The class behind `Annotated["Name", strawberry.lazy("module")]`, imported when a resolver first needs it:
    the two modules never import each other when they load."""
    forward, reference = get_args(annotation)[:2]
    return reference.resolve_forward_ref(forward).resolve_type()
