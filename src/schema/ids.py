"""Relay global IDs: decoding what clients send back into database ids."""

from strawberry import relay

from src.services.errors import DomainError, ErrorCode


def decode_id(value: relay.GlobalID | str, type_name: str, *, field: str = "id") -> int:
    """The database id inside a global ID of the given type, or a DomainError naming the field."""
    try:
        gid = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(value)
        if gid.type_name != type_name:
            raise ValueError(gid.type_name)
        return int(gid.node_id)
    except (ValueError, TypeError) as exc:
        raise DomainError(ErrorCode.NOT_FOUND, field=field) from exc


def encode_id(type_name: str, node_id: int) -> relay.GlobalID:
    return relay.GlobalID(type_name, str(node_id))
