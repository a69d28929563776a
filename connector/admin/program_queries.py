"""What the admin's program pages read: the programs a user may see, their versions and shops."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from connector import programs as program_store
from connector.models import Program, ProgramVersion, Shop


@dataclass(frozen=True)
class ProgramRow:
    program: Program
    live: ProgramVersion | None
    shops: list[Shop]


def program_shops(session: Session, program_id: int, visible: list[int]) -> list[Shop]:
    """The shops running the program, among the `visible` ones (removed shops run nothing)."""
    return list(session.scalars(select(Shop).where(
        Shop.program_id == program_id, Shop.id.in_(visible), Shop.status != "removed")
        .order_by(Shop.id)))


def program_rows(session: Session, programs: list[int], shops: list[int]) -> list[ProgramRow]:
    return [ProgramRow(program, program_store.live_version(session, program.id),
                       program_shops(session, program.id, shops))
            for program in session.scalars(select(Program).where(Program.id.in_(programs))
                                           .order_by(Program.id))]


def versions(session: Session, program_id: int) -> list[ProgramVersion]:
    """Every published version, newest first."""
    return list(session.scalars(select(ProgramVersion)
                                .where(ProgramVersion.program_id == program_id)
                                .order_by(ProgramVersion.version.desc())))


def visible_program(session: Session, programs: list[int], program_id: int) -> Program | None:
    return session.get(Program, program_id) if program_id in programs else None
