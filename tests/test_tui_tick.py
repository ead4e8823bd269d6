"""A checkbox says ticked or not by shape (X or an empty box), so it reads without colour."""

from __future__ import annotations

from textual.app import App, ComposeResult

from juni_tui.widgets.tick import Tick


class _One(App):
    def compose(self) -> ComposeResult:
        yield Tick("The meal included alcohol", value=False, id="tick")


async def test_a_tick_shows_its_state_by_shape():
    app = _One()
    async with app.run_test(size=(40, 3)) as pilot:
        tick = app.query_one(Tick)
        assert tick.render().plain.startswith("▐ ▌")
        await pilot.click("#tick")
        assert tick.value
        assert tick.render().plain.startswith("▐X▌")
