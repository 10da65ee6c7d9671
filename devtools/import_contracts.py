"""A custom import-linter contract: another domain may import only a domain's public modules.

`lint-imports` runs it from pyproject.toml (`type = "public_interface"`). For every pair of listed domains, any
direct import from one into the other must target one of the `public` submodules (e.g. `service`, `schemas`,
`errors`, `events`); a domain's own imports are free. Indirect imports (through the public modules) are the
point of the rule, so they are not followed.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class PublicInterfaceContract(Contract):
    domains = fields.ListField(subfield=fields.ModuleField())
    public = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        names = [domain.name for domain in self.domains]  # type: ignore[attr-defined]
        allowed = set(self.public)  # type: ignore[arg-type]
        violations: list[tuple[str, str]] = []
        for domain in names:
            for importer in sorted(graph.find_descendants(domain) | {domain}):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    other = next((d for d in names if imported.startswith(d + ".") and d != domain), None)
                    if other is not None and imported[len(other) + 1 :].split(".")[0] not in allowed:
                        violations.append((importer, imported))
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported in check.metadata["violations"]:
            output.print_error(f"{importer} imports {imported} (only {', '.join(self.public)} are public)")  # type: ignore[arg-type]
            output.new_line()
