"""Where a checkpoint was written: the NumPy, the BLAS and the platform its bits came from,
and the warning `load` gives when they differ from the ones loading it."""

from __future__ import annotations

import platform

import attrs
import numpy as np

from nnfunc._matmul import blas_info
from nnfunc._records import field


class ProvenanceWarning(UserWarning):
    """A checkpoint written under another NumPy or BLAS (library, version or kernel): it
    loads, but a run resumed from it may not give the bits of an uninterrupted one."""


@attrs.frozen
class Provenance:
    """The NumPy version, the BLAS (threadpoolctl's library name, version and kernel, "none"
    when it finds no BLAS) and the platform (`platform.platform()`) of a process."""

    numpy: str
    blas: str
    blas_version: str
    blas_kernel: str
    platform: str

    def describe(self) -> str:
        """One line: "NumPy 2.4.6, openblas 0.3.31 (kernel Haswell), Linux-6.1-x86_64"."""
        return (
            f"NumPy {self.numpy}, {self.blas} {self.blas_version} (kernel {self.blas_kernel}), "
            f"{self.platform}"
        )

    def bits(self) -> tuple[str, str, str, str]:
        """What a run's bits depend on: the NumPy version and the BLAS library, version, kernel."""
        return self.numpy, self.blas, self.blas_version, self.blas_kernel

    def record(self) -> dict[str, str]:
        return attrs.asdict(self)


def current() -> Provenance:
    """The provenance of this process."""
    info = blas_info()
    return Provenance(
        np.__version__,
        str(info.get("internal_api", "none")),
        str(info.get("version") or "unknown"),
        str(info.get("architecture") or "unknown"),
        platform.platform(),
    )


def parse(record: object) -> Provenance:
    """The provenance a manifest's "provenance" record holds; `Corrupt` saying what is wrong."""
    where = "its manifest's provenance"
    names = [a.name for a in attrs.fields(Provenance)]
    return Provenance(*(field(record, name, str, where) for name in names))


def mismatch(saved: Provenance | None, source: str) -> ProvenanceWarning | None:
    """The warning for a checkpoint `source` written under `saved`, None if its NumPy and
    BLAS are this process's (or the file, older, records none)."""
    here = current()
    if saved is None or saved.bits() == here.bits():
        return None
    return ProvenanceWarning(
        f"checkpoint {source!r} was written with {saved.describe()}; this process runs "
        f"{here.describe()}: a run resumed from it may not give the same bits as an "
        "uninterrupted one"
    )


__all__ = ["Provenance", "ProvenanceWarning", "current", "mismatch", "parse"]
