"""Source mappings: extracts from force, CPS and ISVA systems to events (issue 17).

`load_mapping` reads and checks a mapping file; `Mapper` turns rows into events with
pseudonymised case ids; `map_files` maps whole extracts with a rejects file each.
"""

from engine.mapping.loader import LoadedMapping, MappingError, load_mapping, load_or_raise, resolve
from engine.mapping.mapper import Mapper, RowOutcome, RowReject
from engine.mapping.model import Mapping
from engine.mapping.pseudonym import Pseudonymiser, PseudonymKeyError, load_key
from engine.mapping.readers import ExtractError
from engine.mapping.run import FileMapReport, map_files

__all__ = ["ExtractError", "FileMapReport", "LoadedMapping", "Mapper", "Mapping", "MappingError",
           "PseudonymKeyError", "Pseudonymiser", "RowOutcome", "RowReject", "load_key",
           "load_mapping", "load_or_raise", "map_files", "resolve"]
