"""A fast path for the catalog: `products` queries answered straight from rows, past per-field resolvers.

Buyers' apps ask for the same catalog page all morning; through graphql-core's executor each of its
~1,300 fields costs a resolver call, an Info object and a completion step, which made the GraphQL
catalog several times slower than the SQL behind it. This extension, after Strawberry has parsed and
validated the document (limits and caches included), answers operations whose fields it knows by
walking the selection set over the page's rows with a table of getters: the same data, the same JSON.

Anything it does not know (another root field, a directive, a field needing the viewer, an argument
error) falls back to normal execution, so the schema stays the only contract. Tests run every
supported shape both ways and compare the results.

One entry point, `CatalogFastPath` (in `execute`); `getters` holds the table of getters, `plan` compiles
a document into generated functions and caches the plans.
"""

from src.schema.fastpath.execute import CatalogFastPath

__all__ = ["CatalogFastPath"]
