"""Solara components shared by the live and the replay page."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pandas as pd
import solara
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from simsynth.figures import kind_colors
from simsynth.units import Seconds, format_seconds
from simsynth.view.panels import Panel
from simsynth.view.source import RunSource

log = logging.getLogger(__name__)
ALL = "all"
TABLE_ROWS = 500
"""Rows of the events table sent to the browser (the first that match the filters)."""
MAX_LISTED_EPISODES = 100


@solara.component
def PanelFigure(panel: Panel, source: RunSource, now: Seconds, revision: int = 0) -> None:
    """A panel drawn for `now`; redrawn only when the source, `now` or `revision` change."""
    dependencies = [id(source), now, revision]

    def draw() -> tuple[Figure | None, str]:
        try:
            figure = panel.draw(source, now)
        except Exception as error:  # a panel's bug must not take the page down
            log.exception("panel %r failed", panel.title)
            return None, f"{panel.title}: {type(error).__name__}: {error}"
        return figure, ""

    figure, error = solara.use_memo(draw, dependencies)
    with solara.Card(panel.title, margin=0, classes=["simsynth-panel"]):
        if error:
            solara.Error(error, classes=["simsynth-panel-error"])
        else:
            solara.FigureMatplotlib(figure, dependencies=dependencies, format="png")


@solara.component
def Clock(source: RunSource, now: Seconds) -> None:
    """Where the run is: simulated time, events and episodes so far."""
    events = len(source.events(now))
    episodes = len(source.episodes(now))
    solara.Text(
        f"{source.model} · t = {format_seconds(now)} of {format_seconds(source.duration)}"
        f" · {events:,} events · {episodes} episodes",
        classes=["simsynth-clock"],
        style={"font-weight": "500"},
    )


@solara.component
def EpisodeList(
    episodes: pd.DataFrame,
    selected: solara.Reactive[int | None],
    on_select: Callable[[int], None] | None = None,
) -> None:
    """A button per episode, in its kind's colour; pressing one selects it."""
    if episodes.empty:
        solara.Text("No episode yet.", classes=["simsynth-no-episodes"])
        return
    colors = kind_colors(episodes)
    if len(episodes) > MAX_LISTED_EPISODES:
        solara.Text(
            f"The first {MAX_LISTED_EPISODES} of {len(episodes)} episodes; the events "
            "table filters by any of them."
        )
        episodes = episodes.head(MAX_LISTED_EPISODES)

    def choose(episode_id: int) -> None:
        selected.set(episode_id)
        if on_select is not None:
            on_select(episode_id)

    with solara.Column(gap="4px", classes=["simsynth-episodes"]):
        for episode in episodes.itertuples(index=False):
            kind = str(episode.kind)
            episode_id = int(episode.episode_id)
            solara.Button(
                f"#{episode_id} {kind} · {format_seconds(episode.start_time)}"
                f"–{format_seconds(episode.end_time)}",
                color=to_hex(colors.get(kind, (0.5, 0.5, 0.5))),
                outlined=selected.value != episode_id,
                small=True,
                on_click=lambda episode_id=episode_id: choose(episode_id),
                classes=["simsynth-episode"],
            )


@solara.component
def EventsTable(source: RunSource, now: Seconds, episode: solara.Reactive[int | None]) -> None:
    """The events recorded up to `now`, filtered by label kind, episode and entity."""
    kind = solara.use_reactive(ALL)
    entity = solara.use_reactive("")
    events = source.events(now)
    episode_ids = [str(i) for i in source.episodes(now)["episode_id"]]
    kinds = [str(k) for k in events["label_kind"].cat.categories] if len(events) else []
    with solara.Row(gap="12px"):
        solara.Select("label_kind", values=[ALL, *kinds], value=kind)
        solara.Select(
            "episode",
            values=[ALL, *episode_ids],
            value=ALL if episode.value is None else str(episode.value),
            on_value=lambda value: episode.set(None if value == ALL else int(value)),
        )
        solara.InputText("entity_id", value=entity, continuous_update=False)
    shown = filter_events(events, kind.value, episode.value, entity.value)
    solara.Text(
        f"{len(shown):,} of {len(events):,} events match"
        + (f"; the first {TABLE_ROWS} are listed" if len(shown) > TABLE_ROWS else ""),
        classes=["simsynth-events-count"],
    )
    solara.DataFrame(shown.head(TABLE_ROWS), items_per_page=10)


def filter_events(
    events: pd.DataFrame, kind: str, episode: int | None, entity: str
) -> pd.DataFrame:
    """The events of a label kind (or all), of an episode (or any), of an entity id (or any;
    an id that is not a number matches nothing)."""
    mask = pd.Series(True, index=events.index)
    if kind != ALL:
        mask &= events["label_kind"].astype(str) == kind
    if episode is not None:
        mask &= events["episode_id"] == episode
    if entity.strip():
        try:
            mask &= events["entity_id"] == int(entity)
        except ValueError:
            mask &= False
    return events[mask]
