"""Voilà reads voila.json from the folder it is started in (the repository's root, as README serves the apps): a
page closed or reloaded leaves its kernel running (Voilà 0.5's shutdown call is refused for a missing _xsrf), so
each notebook 05 kernel kept its year of posts until the server stopped. The shipped file culls a kernel no page
is connected to after five idle minutes, and never one a page still shows."""
from pathlib import Path

from voila.app import Voila

ROOT = Path(__file__).resolve().parents[1]


def test_voila_started_at_the_root_culls_kernels_no_page_holds():
    app = Voila()
    app.load_config_file("voila", path=[str(ROOT)])  # what Voila.initialize does with its config_file_paths
    km = app.config.MappingKernelManager
    assert km.cull_idle_timeout == 300 and km.cull_interval == 60
    assert km.cull_connected is False  # an open annotator page keeps its kernel however long the person reads
