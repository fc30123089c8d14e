"""Parameters of the road network: the graph, the traffic on it and the driving rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from simsynth.model import ParamsModel
from simsynth.units import Duration, Rate

CELL_LENGTH = 7.5
"""Metres of road per cell: the space a car takes in a jam (Nagel & Schreckenberg 1992)."""

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
SpeedKmh = Annotated[
    float, Field(gt=0, le=300, allow_inf_nan=False, json_schema_extra={"unit": "km/h"})
]
"""A speed in km/h (a plain number); the model runs it as whole cells per second."""
WHOLE_CELLS = (
    f"Vehicles move whole {CELL_LENGTH:g} m cells per second, in steps of "
    f"{CELL_LENGTH * 3.6:g} km/h: another limit runs rounded to the nearest (50 as 54), which "
    "validate and run warn about."
)
Metres = Annotated[
    float, Field(ge=CELL_LENGTH, le=1_000_000, allow_inf_nan=False, json_schema_extra={"unit": "m"})
]


class RingRoad(ParamsModel):
    """A closed ring cut into `links` links: vehicles circulate, none enter or leave.

    Junctions r0, r1, ... follow each other around the ring; links are r0->r1, r1->r2, ...
    and the last one back to r0.
    """

    kind: Literal["ring"] = "ring"
    length: Metres = Field(7500.0, description="Circumference.")
    links: int = Field(
        4,
        ge=1,
        le=10_000,
        description="Links the ring is cut into, between junctions r0, r1, ...: links are "
        "'r0->r1', 'r1->r2', ..., the last back to 'r0'.",
    )
    lanes: int = Field(1, ge=1, le=8, description="Lanes of every link.")
    speed_limit: SpeedKmh = Field(135.0, description=f"135 = 5 cells per second. {WHOLE_CELLS}")
    density: Probability = Field(0.15, description="Share of cells holding a vehicle at the start.")


class GridCity(ParamsModel):
    """A rows x columns grid of junctions joined by two-way streets.

    Junction 'ROW,COLUMN' counts from '0,0' at the top left ('0,1' east of it, '1,0' south);
    a street is two links, e.g. '0,0->0,1' and '0,1->0,0'.
    """

    kind: Literal["grid"] = "grid"
    rows: int = Field(
        5,
        ge=2,
        le=200,
        description="Rows of junctions, named 'ROW,COLUMN' from '0,0' at the top left ('0,1' "
        "east of it, '1,0' south); a street is two links, e.g. '0,0->0,1' and '0,1->0,0' "
        "(quote them in YAML).",
    )
    columns: int = Field(5, ge=2, le=200, description="Columns of junctions.")
    block: Metres = Field(150.0, description="Street length between junctions.")
    lanes: int = Field(1, ge=1, le=8)
    speed_limit: SpeedKmh = Field(54.0, description=f"54 = 2 cells per second. {WHOLE_CELLS}")
    signals: bool = Field(True, description="Fixed-time signals at every inner junction.")


class Corridor(ParamsModel):
    """A motorway with on- and off-ramps every `ramp_spacing` metres.

    Junctions m0, m1, ... lie along the main line (links m0->m1, ...), l0, l1, ... along the
    parallel road (l0->l1, ...); the ramps at inner junction k are mk->lk and lk->mk.
    """

    kind: Literal["corridor"] = "corridor"
    length: Metres = Field(6000.0, description="Length of the main line.")
    lanes: int = Field(2, ge=1, le=8)
    speed_limit: SpeedKmh = Field(108.0, description=f"108 = 4 cells per second. {WHOLE_CELLS}")
    ramp_spacing: Metres = Field(
        1500.0,
        description="Distance between junctions: m0, m1, ... on the main line (links "
        "'m0->m1', ...), l0, l1, ... on the parallel road ('l0->l1', ...); the ramps at inner "
        "junction k are 'mk->lk' and 'lk->mk'.",
    )
    ramp_length: Metres = Field(300.0)
    ramp_speed_limit: SpeedKmh = Field(54.0, description="Of the ramps and the parallel road.")
    parallel_road: bool = Field(
        True, description="A slower local road alongside, joined at every junction."
    )


class GraphFile(ParamsModel):
    """A road graph from a file: GraphML, or an edge list `u v {attributes}` per line.

    Edges need `length` (m); `lanes` (default 1) and `speed_limit` (km/h, default 50) are
    optional; a node attribute `signal: true` makes it signalised.
    """

    kind: Literal["file"] = "file"
    path: Path = Field(
        description="Relative paths are taken from the scenario's folder. The file's node ids "
        "name the junctions; the edge from u to v is the link 'u->v'."
    )

    @field_validator("path")
    @classmethod
    def _found(cls, path: Path, info: ValidationInfo) -> Path:
        base = (info.context or {}).get("scenario_dir")
        if base is not None and not path.is_absolute():
            path = Path(base) / path
        if not path.is_file():
            raise ValueError(f"no such file: {path}")
        return path

    format: Literal["graphml", "edgelist"] | None = Field(
        None, description="Default: from the file's suffix (.graphml, else edge list)."
    )


Network = Annotated[RingRoad | GridCity | Corridor | GraphFile, Field(discriminator="kind")]


class Demand(ParamsModel):
    """Trips between origin and destination junctions (open networks only)."""

    rate: Rate = Field(1.0, ge=0, le=100_000, description="Trips started per time, in total.")
    origins: list[str] | None = Field(
        None,
        description="Junctions trips start at (default: every junction with one link in "
        "or out, i.e. the network's edge).",
    )
    destinations: list[str] | None = Field(None, description="Default: like origins.")
    hourly_profile: tuple[Annotated[float, Field(ge=0, le=1000)], ...] | None = Field(
        None, min_length=24, max_length=24, description="24 multipliers of rate by hour of day."
    )


class Detectors(ParamsModel):
    """Loop detectors and how often they report."""

    every: Literal["link", "none"] = Field(
        "link", description="A detector in the middle of every link, or none."
    )
    interval: Duration = Field(60.0, gt=0, description="Aggregation period of detector rows.")


class RoadNetworkParams(ParamsModel):
    """Road graph, traffic, the Nagel-Schreckenberg rules and what is recorded."""

    network: Network = Field(
        default_factory=GridCity,
        description="The road graph. A link is one direction of a road, named 'FROM->TO' "
        "after the junctions at its ends (each kind below says how it names them): what an "
        "incident's `link` takes.",
    )
    demand: Demand = Field(default_factory=Demand)
    slowdown: Probability = Field(
        0.25, description="p: chance a driver brakes by one cell per second for no reason."
    )
    lane_changes: bool = Field(
        True, description="Hindered vehicles change lanes (Rickert et al. 1996 symmetric rules)."
    )
    cycle: Duration = Field(60.0, gt=0, description="Signal cycle (two phases, equal greens).")
    detectors: Detectors = Field(default_factory=Detectors)
    trajectory_every: int = Field(
        10, ge=0, le=86_400, description="Record every vehicle's position every k steps; 0 = off."
    )
    hard_brake: int = Field(
        2, ge=1, le=10, description="A speed drop of at least this many cells/s is a hard brake."
    )
    near_miss_speed: SpeedKmh = Field(
        100.0,
        description="A stop right behind a vehicle from at least this speed is a near miss "
        "(the speed rounded to whole cells per second like a limit: 100 counts as 108).",
    )
    max_vehicles: int = Field(
        200_000, ge=1, le=10_000_000, description="Vehicles on the roads at once (memory bound)."
    )
