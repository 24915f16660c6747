"""DynamoDB persistence for spec models, through ``x-persist`` (SPEC B1-B2, C11).

A definition names a subclass of :class:`PersistentSwaggerObject`, which says where its items live::

    # apis/shop.yaml                        # shop/persistence.py
    definitions:                            from pymacaron_aws.dynamodb import PersistentSwaggerObject
      Item:
        x-persist: shop.persistence.PersistentItem   class PersistentItem(PersistentSwaggerObject):
        type: object                            table_name = "shop-items"
        properties: ...                         primary_key = "item_id"

The served model then has ``Item.load_from_db(key)`` (class level) and ``item.save_to_db()``.

Errors (all PyMacaronException, so an endpoint that lets them through answers with Error JSON)::

    DynamoDBError               DYNAMODB_ERROR 500            table missing, access denied, bad class setup
    ├── DynamoDBItemNotFound    DYNAMODB_ITEM_NOT_FOUND 404   no item with that key
    └── DynamoDBItemInvalid     DYNAMODB_ITEM_INVALID 500     a stored item no longer matches the model

Region and credentials come from pym-config (see :mod:`pymacaron_aws._session`: ``aws_region``,
else ``aws_default_region``, else ``$AWS_DEFAULT_REGION``, else us-east-1); ``$AWS_ENDPOINT_URL_DYNAMODB``
points at DynamoDB Local or moto. Credentials are never logged.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from pymacaron.exceptions import PyMacaronException
from pymacaron_aws._ddb_types import normalise_object, plain, to_dynamodb

log = logging.getLogger(__name__)

_lock = threading.Lock()
_resource = None


class DynamoDBError(PyMacaronException):
    """A DynamoDB table is missing or refuses access, or a persistence class is set up wrong (500)."""
    code = "DYNAMODB_ERROR"
    status = 500


class DynamoDBItemNotFound(DynamoDBError):
    """No item has the key asked for (404)."""
    code = "DYNAMODB_ITEM_NOT_FOUND"
    status = 404


class DynamoDBItemInvalid(DynamoDBError):
    """A stored item does not match its model (500)."""
    code = "DYNAMODB_ITEM_INVALID"
    status = 500


def _config():
    from pymacaron.config import ConfigError, get_config

    try:
        return get_config()
    except ConfigError:  # a script without pym-config: environment and defaults only
        return None


def get_dynamodb() -> Any:
    """The process-wide boto3 DynamoDB resource (made on first use from pym-config)."""
    global _resource
    with _lock:
        if _resource is None:
            from pymacaron_aws._session import client_config, make_session

            session = make_session(_config())
            _resource = session.resource("dynamodb", config=client_config())
            log.debug("DynamoDB resource for region %s", session.region_name)
        return _resource


def reset_dynamodb() -> None:
    """Forget the resource (after a configuration change, and between tests)."""
    global _resource
    with _lock:
        _resource = None


def _aws_failure(e, what, table):
    from botocore.exceptions import ClientError

    code = e.response.get("Error", {}).get("Code") if isinstance(e, ClientError) else type(e).__name__
    message = e.response.get("Error", {}).get("Message", "") if isinstance(e, ClientError) else str(e)
    if code == "ResourceNotFoundException":
        return DynamoDBError(f"{what}: the DynamoDB table {table!r} does not exist in this region: create it, "
                             "or fix table_name / aws_region")
    return DynamoDBError(f"{what} on DynamoDB table {table!r} failed: {code}: {message}")


class PersistentSwaggerObject:
    """Base of the classes ``x-persist`` names. Subclasses set ``table_name`` and ``primary_key``.

    ``sort_key`` is set for tables with a composite key. ``api_name`` and ``model_name`` are only
    needed to call ``load_from_db`` on the persistence class itself rather than on the model.
    """

    api_name: str | None = None
    model_name: str | None = None
    table_name: str | None = None
    primary_key: str | None = None
    sort_key: str | None = None

    # -- setup ----------------------------------------------------------------

    @classmethod
    def _check_setup(cls):
        name = cls.__name__
        for attr in ("table_name", "primary_key"):
            if not getattr(cls, attr, None):
                raise DynamoDBError(f"{name}.{attr} is not set: give {name} the DynamoDB table's "
                                    f"{'name' if attr == 'table_name' else 'partition key attribute'} "
                                    f"({attr} = '...')")

    @classmethod
    def model_class(cls) -> type[Any]:
        """The model class this persistence applies to."""
        from pymacaron_core.models import PyMacaronModel, get_model

        if issubclass(cls, PyMacaronModel):
            return cls
        name = cls.model_name
        if not name:
            raise DynamoDBError(f"{cls.__name__}.model_name is not set: call load_from_db on the model class "
                                f"(x-persist), or set model_name = '<Definition>'")
        try:
            from pymacaron_core import ApiPool

            if cls.api_name and ApiPool.has(cls.api_name):
                return ApiPool.get(cls.api_name).models[name]
            return get_model(name)
        except Exception:
            where = f" of API {cls.api_name!r}" if cls.api_name else ""
            raise DynamoDBError(f"{cls.__name__}: the model {name!r}{where} is not loaded: load the API's spec "
                                "(API(app).load_apis(...)) before using its persistence") from None

    @classmethod
    def setup(cls, childclass: type[PersistentSwaggerObject] | None = None) -> type[Any]:
        """Check the class is usable and return its model class (compatibility with the original)."""
        klass = childclass or cls
        klass._check_setup()
        return klass.model_class()

    @classmethod
    def get_table(cls) -> Any:
        """The boto3 Table resource of ``table_name`` (the class's setup is checked first)."""
        cls._check_setup()
        return get_dynamodb().Table(cls.table_name)

    # -- load -----------------------------------------------------------------

    @classmethod
    def _key(cls, key, sort=None):
        k = {cls.primary_key: to_dynamodb(key, cls.primary_key)}
        if cls.sort_key:
            if sort is None:
                raise DynamoDBError(f"table {cls.table_name!r} has the sort key {cls.sort_key!r}: call "
                                    f"load_from_db(key, sort=...)")
            k[cls.sort_key] = to_dynamodb(sort, cls.sort_key)
        return k

    @classmethod
    def load_from_db(cls, key: Any, sort: Any = None, consistent: bool = False) -> Any:
        """The model stored under ``key`` (and ``sort``); DynamoDBItemNotFound (404) when there is none."""
        table = cls.get_table()
        k = cls._key(key, sort)
        try:
            answer = table.get_item(Key=k, ConsistentRead=bool(consistent))
        except Exception as e:
            raise _aws_failure(e, f"loading {k}", cls.table_name) from None
        item = answer.get("Item")
        if item is None:
            shown = ", ".join(f"{n}={v!r}" for n, v in ((n, plain(v)) for n, v in k.items()))
            raise DynamoDBItemNotFound(f"no item with {shown} in DynamoDB table {cls.table_name!r}")
        return cls.to_model(item)

    @classmethod
    def to_model(cls, item: dict[str, Any]) -> Any:
        """A stored item as a model: types normalised against the spec, undeclared attributes skipped."""
        from pymacaron_core import ApiPool
        from pymacaron_core.exceptions import ValidationError

        model = cls.model_class()
        definitions = ApiPool.get(model._pym_api).doc.definitions if ApiPool.has(model._pym_api or "") else {}
        data, skipped = normalise_object(item, model._pym_schema, definitions)
        if skipped:
            log.debug("%s: attributes not in model %s skipped: %s", cls.table_name, model._pym_name,
                      ", ".join(sorted(skipped)))
        try:
            obj = model.from_json(data)
        except ValidationError as e:
            key = item.get(cls.primary_key or "")  # no attribute is named "": None, as for an unset key
            raise DynamoDBItemInvalid(f"the item {cls.primary_key}={plain(key)!r} of DynamoDB table "
                                      f"{cls.table_name!r} does not match model {model._pym_name}: {e}") from None
        if not isinstance(obj, PersistentSwaggerObject):  # the model was built without x-persist (a client API)
            obj.save_to_db = lambda: _save(cls, obj)
        return obj

    # -- save -----------------------------------------------------------------

    def save_to_db(self) -> PersistentSwaggerObject:
        """Validate this model and put it in its table (replacing the item with the same key)."""
        return _save(type(self), self)


def _save(cls, obj):
    cls._check_setup()
    obj.validate()
    data = obj.to_json()
    for attr in (cls.primary_key, cls.sort_key):
        if attr and data.get(attr) in (None, ""):
            raise DynamoDBError(f"{type(obj).__name__}.{attr} is not set: it is a key of DynamoDB table "
                                f"{cls.table_name!r}, set it before save_to_db()")
    try:
        item = to_dynamodb(data, type(obj).__name__)
    except ValueError as e:
        raise DynamoDBError(str(e)) from None
    try:
        cls.get_table().put_item(Item=item)
    except Exception as e:
        raise _aws_failure(e, f"saving {type(obj).__name__}", cls.table_name) from None
    return obj


__all__ = ["DynamoDBError", "DynamoDBItemInvalid", "DynamoDBItemNotFound", "PersistentSwaggerObject",
           "get_dynamodb", "reset_dynamodb"]
